// Package release holds the release tooling of otelcol-sbi (`make release`, docs/release.md):
// the daemonless OCI image builder (ociimage, cmd/ociimage), the SBOM generator as a Go tool
// (cyclonedx-gomod), and tests that the collector version is pinned in one place, that a
// release build is reproducible, and that the image runs (under podman, where it can).
//
// It is a module of its own so that go-containerregistry and cyclonedx-gomod stay out of the
// collector's module graph.
package release
