package release

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"
	"gopkg.in/yaml.v3"
)

func root(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs("..")
	require.NoError(t, err)
	return abs
}

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), rel))
	require.NoError(t, err)
	return string(b)
}

// pins are the Makefile's OTELCOL_* variables: the one place the collector release is pinned.
func pins(t *testing.T) (core, stable, contrib string) {
	t.Helper()
	mk := read(t, "Makefile")
	get := func(name string) string {
		m := regexp.MustCompile(`(?m)^` + name + ` := ([0-9]+\.[0-9]+\.[0-9]+)$`).FindStringSubmatch(mk)
		require.Len(t, m, 2, "Makefile pins %s", name)
		return "v" + m[1]
	}
	return get("OTELCOL_VERSION"), get("OTELCOL_STABLE_VERSION"), get("OTELCOL_CONTRIB_VERSION")
}

// want returns the version a collector module must have under the pins, or "" for a module
// the pins do not govern.
func want(path, version, core, stable, contrib string) string {
	switch {
	case strings.HasPrefix(path, "github.com/open-telemetry/opentelemetry-collector-contrib/"):
		return contrib
	case strings.HasPrefix(path, "go.opentelemetry.io/collector/") || path == "go.opentelemetry.io/collector":
		// Core ships stable modules as v1.x and the rest as v0.x of the same release.
		if strings.HasPrefix(version, "v1.") {
			return stable
		}
		return core
	}
	return ""
}

// TestCollectorVersionIsPinnedOnce: every collector module named by the manifests and required
// by the go.mod files, the ocb version, the Dockerfile's label and the docs agree with the
// Makefile's pins.
func TestCollectorVersionIsPinnedOnce(t *testing.T) {
	core, stable, contrib := pins(t)

	// The ocb manifests.
	for _, manifest := range []string{"builder-config.yaml", "builder-config-dev.yaml"} {
		var m map[string]any
		require.NoError(t, yaml.Unmarshal([]byte(read(t, manifest)), &m))
		n := 0
		for _, kind := range []string{"receivers", "processors", "exporters", "extensions", "connectors", "providers"} {
			list, _ := m[kind].([]any)
			for _, c := range list {
				gomod := c.(map[string]any)["gomod"].(string)
				path, version, _ := strings.Cut(gomod, " ")
				if w := want(path, version, core, stable, contrib); w != "" {
					assert.Equal(t, w, version, "%s: %s", manifest, path)
					n++
				}
			}
		}
		assert.Positive(t, n, manifest)
	}

	// Every go.mod of the repository (the collector module and the test/bench/release modules).
	var mods []string
	require.NoError(t, filepath.WalkDir(root(t), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "dist" || d.Name() == ".git" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if d.Name() == "go.mod" {
			mods = append(mods, p)
		}
		return nil
	}))
	require.NotEmpty(t, mods)
	for _, p := range mods {
		rel, _ := filepath.Rel(root(t), p)
		switch filepath.Dir(rel) {
		case filepath.Join("bench", "reference"), filepath.Join("bench", "fileexporter-baseline"):
			// The upstream-only comparison builds, deliberately at contrib v0.161.0 (the newest
			// coherent upstream set with fileexporter; bench/README.md).
			continue
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		f, err := modfile.Parse(p, b, nil)
		require.NoError(t, err)
		for _, r := range f.Require {
			// Indirect requirements are MVS's choice, not a pin; mdatagen is the newest the
			// proxy serves (v0.159.0, DESIGN.md) and only generates code.
			if r.Indirect || r.Mod.Path == "go.opentelemetry.io/collector/cmd/mdatagen" {
				continue
			}
			if w := want(r.Mod.Path, r.Mod.Version, core, stable, contrib); w != "" {
				assert.Equal(t, w, r.Mod.Version, "%s requires %s", rel, r.Mod.Path)
			}
		}
	}

	// The Makefile's ocb follows the pin; the Dockerfile labels the image with it.
	assert.Contains(t, read(t, "Makefile"), "OCB_VERSION := v$(OTELCOL_VERSION)")
	assert.Contains(t, read(t, "Dockerfile"), `io.opentelemetry.collector.version="`+strings.TrimPrefix(core, "v")+`"`)

	// The docs name no other collector release.
	docRe := regexp.MustCompile(`(?i)(?:collector core|core|contrib|ocb|builder)[^.\n]{0,40}?\bv?(0\.1[0-9]{2}\.[0-9]+|1\.[0-9]{2}\.[0-9]+)\b`)
	for _, doc := range []string{"README.md", "docs/release.md", "docs/operations.md"} {
		for _, m := range docRe.FindAllStringSubmatch(read(t, doc), -1) {
			v := "v" + m[1]
			assert.Contains(t, []string{core, stable, contrib, "v0.161.0", "v1.67.0"}, v,
				"%s: %q names a collector version the Makefile does not pin", doc, m[0])
		}
	}
}
