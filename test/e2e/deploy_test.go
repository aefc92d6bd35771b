package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Dockerfile must agree with the collector config it ships. The Kubernetes, Operator and
// Helm files are checked by test/deploy (a module of its own, with the API types).

// get walks a path of map keys and list indexes through decoded YAML.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			require.True(t, ok, "at %q: not a map in %v", k, path)
			v, ok = m[k]
			require.True(t, ok, "missing key %q in %v", k, path)
		case int:
			l, ok := v.([]any)
			require.True(t, ok && k < len(l), "at [%d]: not a long enough list in %v", k, path)
			v = l[k]
		}
	}
	return v
}

func str(t *testing.T, v any, path ...any) string {
	t.Helper()
	s, ok := get(t, v, path...).(string)
	require.True(t, ok, "%v is not a string", path)
	return s
}

func list(t *testing.T, v any, path ...any) []any {
	t.Helper()
	l, ok := get(t, v, path...).([]any)
	require.True(t, ok, "%v is not a list", path)
	return l
}

// TestDockerfile checks the image builds with `make build` and runs what deploy/ configures.
func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	df := string(mustRead(t, filepath.Join(root, "Dockerfile")))
	assert.Regexp(t, `(?m)^FROM golang:\S+ AS build$`, df)
	assert.Regexp(t, `(?m)^RUN .*make build`, df)
	assert.Regexp(t, `(?m)^USER 65532`, df, "the runtime runs as non-root")

	// Every COPY source from the build context exists.
	for _, mm := range regexp.MustCompile(`(?m)^COPY (?:--chown=\S+ )?(\S+) (\S+)$`).FindAllStringSubmatch(df, -1) {
		if mm[1] == "." || strings.HasPrefix(mm[0], "COPY --from") {
			continue
		}
		for _, src := range strings.Fields(mm[1]) {
			_, err := os.Stat(filepath.Join(root, src))
			assert.NoError(t, err, "COPY %s", src)
		}
	}
	// The image's default config is where CMD points, and validates with the baked policy.
	cmdRe := regexp.MustCompile(`(?m)^CMD \["--config=(\S+)"\]$`)
	mm := cmdRe.FindStringSubmatch(df)
	require.Len(t, mm, 2)
	copyRe := regexp.MustCompile(`(?m)^COPY (\S+) ` + regexp.QuoteMeta(mm[1]) + `$`)
	src := copyRe.FindStringSubmatch(df)
	require.Len(t, src, 2, "the CMD config %s is copied into the image", mm[1])
	cfgText := string(mustRead(t, filepath.Join(root, src[1])))
	pol := regexp.MustCompile(`(?m)^COPY config/policy.yaml (\S+)$`).FindStringSubmatch(df)
	require.Len(t, pol, 2)
	assert.Contains(t, cfgText, pol[1], "the image config names the baked policy")

	dir := t.TempDir()
	local := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(local, mustRead(t, filepath.Join(root, "config", "policy.yaml")), 0o600))
	cfgFile := writeConfig(t, dir, "image", strings.ReplaceAll(cfgText, pol[1], local))
	code, out := runToExit(t, dir, nil, "validate", "--config", "file:"+cfgFile)
	assert.Equal(t, 0, code, "the image's config does not validate:\n%s", out)
}
