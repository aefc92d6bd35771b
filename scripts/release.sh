#!/usr/bin/env bash
# release.sh VERSION OUTDIR  (make release)
#
# Builds the release artefacts into OUTDIR, reproducibly (same commit, same toolchain: same
# bytes; `make release-check` proves it):
#   otelcol-sbi_<v>_linux_amd64, otelcol-sbi_<v>_linux_arm64   static binaries: CGO off,
#       -trimpath, -buildvcs=false, -ldflags '-s -w -buildid=', version stamped by ocb
#   otelcol-sbi_<v>.cdx.json    CycloneDX SBOM of the distribution's modules (cyclonedx-gomod)
#   otelcol-sbi_<v>_oci.tar     OCI image layout, both platforms, uid 65532 (release/cmd/ociimage)
#   SHA256SUMS                  of all of the above
# Timestamps (image, archive) are SOURCE_DATE_EPOCH, by default the commit time.
set -euo pipefail
version=$1 out=$2
GO=${GO:-go}
OCB=${OCB:-bin/builder}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
root=$(pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/otelcol-sbi_* "$out"/SHA256SUMS

echo "release: [1/5] ocb generates dist/ for version $version"
env "dist.version=$version" "$OCB" --config builder-config.yaml --skip-compilation 2>&1 |
  { grep -vE '[[:space:]]INFO[[:space:]]' || true; }

for arch in amd64 arm64; do
  echo "release: [2/5] compiling linux/$arch (static, CGO off)"
  (cd dist && CGO_ENABLED=0 GOOS=linux GOARCH=$arch GOFLAGS= "$GO" build -trimpath -buildvcs=false \
    -ldflags='-s -w -buildid=' -o "$out/otelcol-sbi_${version}_linux_${arch}" .)
done
# The production binary must not contain the debug exporter (it logs records past the guard).
host_bin="$out/otelcol-sbi_${version}_linux_$("$GO" env GOARCH)"
if [ -x "$host_bin" ]; then
  if "$host_bin" components | grep -qE '^\s*- name: debug$'; then
    echo "release: the production binary contains the debug exporter" >&2
    exit 1
  fi
fi

echo "release: [3/5] CycloneDX SBOM"
# cyclonedx-gomod takes the main module's version from git (go-git), which cannot read a git
# worktree checkout and would otherwise see a pseudo-version: give it a scratch repository of
# the tracked files plus the generated dist/, committed at SOURCE_DATE_EPOCH and tagged
# v<version>, so that the SBOM names the release and does not depend on the checkout.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src/dist"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$scratch/src"
cp dist/go.mod dist/go.sum dist/*.go LICENSE "$scratch/src/dist/"
# The SBOM hashes the local replacement module (the repository root, `..` of dist/): fixed file
# times, and the git directory outside it, keep that hash a function of the sources only.
find "$scratch/src" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(
  cd "$scratch"
  export GIT_AUTHOR_NAME=release GIT_AUTHOR_EMAIL=release@localhost GIT_COMMITTER_NAME=release \
    GIT_COMMITTER_EMAIL=release@localhost GIT_AUTHOR_DATE="@$SOURCE_DATE_EPOCH" GIT_COMMITTER_DATE="@$SOURCE_DATE_EPOCH"
  git init -q . && git add -A src && git commit -qm "release $version" && git tag "v${version#v}"
)
(cd release && "$GO" tool cyclonedx-gomod app -json -licenses -noserial -notimestamp \
  -output "$out/otelcol-sbi_${version}.cdx.json" -main . "$scratch/src/dist")

echo "release: [4/5] OCI image (no daemon)"
(cd release && "$GO" run ./cmd/ociimage -version "$version" \
  -binary "linux/amd64=$out/otelcol-sbi_${version}_linux_amd64" \
  -binary "linux/arm64=$out/otelcol-sbi_${version}_linux_arm64" \
  -config "$root/deploy/container/otelcol.yaml" -policy "$root/config/policy.yaml" \
  -out "$out/otelcol-sbi_${version}_oci.tar")

echo "release: [5/5] checksums"
(cd "$out" && sha256sum otelcol-sbi_* > SHA256SUMS && cat SHA256SUMS)
