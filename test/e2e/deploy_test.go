package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The Dockerfile must agree with the collector config it ships. The Kubernetes, Operator and
// Helm files are checked by test/deploy (a module of its own, with the API types).

type manifest = map[string]any

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

// loadManifests decodes every document of deploy/k8s's resources, by kind, and adds the
// ConfigMap that kustomize's configMapGenerator makes from the files it lists. (test/deploy
// renders the kustomization with kustomize itself and checks it against the API types.)
func loadManifests(t *testing.T) map[string]manifest {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "deploy", "k8s")
	var k manifest
	require.NoError(t, yaml.Unmarshal(mustRead(t, filepath.Join(dir, "kustomization.yaml")), &k))
	byKind := map[string]manifest{}
	for _, r := range list(t, k, "resources") {
		dec := yaml.NewDecoder(bytes.NewReader(mustRead(t, filepath.Join(dir, r.(string)))))
		for {
			var m manifest
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, "%s does not parse", r)
			if m == nil {
				continue
			}
			kind := str(t, m, "kind")
			require.NotEmpty(t, str(t, m, "metadata", "name"), r)
			if _, dup := byKind[kind]; !dup {
				byKind[kind] = m
			}
		}
	}
	gens := list(t, k, "configMapGenerator")
	require.Len(t, gens, 1)
	data := map[string]any{}
	for _, f := range list(t, gens[0], "files") {
		data[f.(string)] = string(mustRead(t, filepath.Join(dir, f.(string))))
	}
	byKind["ConfigMap"] = manifest{"kind": "ConfigMap", "metadata": map[string]any{"name": str(t, gens[0], "name")}, "data": data}
	for _, kind := range []string{"StatefulSet", "Service", "HorizontalPodAutoscaler"} {
		require.Contains(t, byKind, kind)
	}
	return byKind
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
