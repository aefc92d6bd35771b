package deploy

import (
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// parseConfig decodes a collector config into generic maps.
func parseConfig(t *testing.T, text string) map[string]any {
	t.Helper()
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(text), &cfg))
	return cfg
}

// get walks map keys and list indexes through decoded YAML.
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

func portOf(t *testing.T, endpoint string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(endpoint)
	require.NoError(t, err, endpoint)
	n, err := strconv.Atoi(p)
	require.NoError(t, err)
	return int32(n)
}

var envRef = regexp.MustCompile(`\$\{env:([A-Z0-9_]+)(:-[^}]*)?\}`)

// envRefs lists the ${env:X} references without a default.
func envRefs(cfg string) []string {
	var out []string
	for _, m := range envRef.FindAllStringSubmatch(cfg, -1) {
		if m[2] == "" {
			out = append(out, m[1])
		}
	}
	return out
}

// pinnedNaming is what every shipped config sets explicitly so that an upgrade cannot rename
// the metrics the alerts and the dashboard use: the level, and the Prometheus translation.
var pinnedNaming = map[string]any{"without_type_suffix": false, "without_units": false, "without_scope_info": false}

func checkPinnedNaming(t *testing.T, name string, cfg map[string]any) {
	t.Helper()
	metrics := get(t, cfg, "service", "telemetry", "metrics")
	assert.Equal(t, "normal", get(t, metrics, "level"), "%s: telemetry level pinned", name)
	prom := get(t, metrics, "readers", 0, "pull", "exporter", "prometheus").(map[string]any)
	for k, v := range pinnedNaming {
		assert.Equal(t, v, prom[k], "%s: prometheus reader %s pinned", name, k)
	}
}

// checkPprof: the deployed configs run pprof, on loopback only. (The examples under config/ do
// not: several of them run side by side on one machine, in the tests too, and would contend for
// its port.)
func checkPprof(t *testing.T, name string, cfg map[string]any) {
	t.Helper()
	assert.Contains(t, get(t, cfg, "service", "extensions"), "pprof", "%s: pprof extension", name)
	pprof := str(t, cfg, "extensions", "pprof", "endpoint")
	host, _, err := net.SplitHostPort(pprof)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host, "%s: pprof on loopback only", name)
}

// TestShippedConfigs: every shipped config pins the metric naming; the container image's and
// the Kubernetes config also run pprof on loopback and validate with the binary here (the
// examples under config/ are validated and run by test/e2e; the Operator and Helm configs are
// checked in their own tests).
func TestShippedConfigs(t *testing.T) {
	examples, err := filepath.Glob(filepath.Join(root(t), "config", "otelcol*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, examples)
	for _, f := range examples {
		rel, _ := filepath.Rel(root(t), f)
		checkPinnedNaming(t, rel, parseConfig(t, string(read(t, f))))
	}
	for _, tc := range []struct{ name, file, policy string }{
		{"container", filepath.Join("deploy", "container", "otelcol.yaml"), "/etc/otelcol-sbi/policy.yaml"},
		{"k8s", filepath.Join("deploy", "k8s", "otelcol.yaml"), "/etc/otelcol-sbi/policy.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := string(read(t, root(t), tc.file))
			cfg := parseConfig(t, text)
			checkPinnedNaming(t, tc.name, cfg)
			checkPprof(t, tc.name, cfg)
			validate(t, tc.name, withLocalPolicy(t, text, tc.policy), podEnv...)
		})
	}
}

// checkPipeline: memory_limiter first, minimize last, egress only, one policy for minimize and
// every guard.
func checkPipeline(t *testing.T, name string, cfg map[string]any) {
	t.Helper()
	pipelines := get(t, cfg, "service", "pipelines").(map[string]any)
	require.Len(t, pipelines, 1, "%s: one logs pipeline", name)
	p := pipelines["logs"]
	procs := get(t, p, "processors").([]any)
	assert.Equal(t, []any{"memory_limiter", "minimize"}, procs, name)
	for _, e := range get(t, p, "exporters").([]any) {
		assert.Regexp(t, `^egress(/|$)`, e, name)
	}
	policy := str(t, cfg, "processors", "minimize", "policy_file")
	for id := range get(t, cfg, "exporters").(map[string]any) {
		assert.Equal(t, policy, str(t, cfg, "exporters", id, "policy_file"), "%s: %s guards with minimize's policy", name, id)
	}
}
