package e2e

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestDistributionComponents pins what builder-config.yaml puts into the production binary: the
// only receiver is extevents (no otlp receiver bypassing its limits), event data leaves only
// through egress (no `debug` exporter: it logs records past the guard; it lives in the
// development build, builder-config-dev.yaml), and the operational extensions are there.
func TestDistributionComponents(t *testing.T) {
	code, out := runToExit(t, t.TempDir(), nil, "components")
	require.Equal(t, 0, code, out)
	var comps struct {
		BuildInfo struct {
			Command string `yaml:"command"`
			Version string `yaml:"version"`
		} `yaml:"buildinfo"`
		Receivers  []struct{ Name string }   `yaml:"receivers"`
		Processors []struct{ Name string }   `yaml:"processors"`
		Exporters  []struct{ Name string }   `yaml:"exporters"`
		Connectors []struct{ Name string }   `yaml:"connectors"`
		Extensions []struct{ Name string }   `yaml:"extensions"`
		Providers  []struct{ Scheme string } `yaml:"providers"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(out), &comps), out)
	names := func(l []struct{ Name string }) []string {
		out := []string{}
		for _, c := range l {
			out = append(out, c.Name)
		}
		sort.Strings(out)
		return out
	}
	assert.Equal(t, "otelcol-sbi", comps.BuildInfo.Command)
	assert.NotEmpty(t, comps.BuildInfo.Version)
	assert.NotEqual(t, "0.0.0-dev", comps.BuildInfo.Version, "make build stamps the repository version")
	assert.Equal(t, []string{"extevents"}, names(comps.Receivers))
	assert.Equal(t, []string{"memory_limiter", "minimize"}, names(comps.Processors))
	assert.Equal(t, []string{"egress"}, names(comps.Exporters))
	assert.NotContains(t, out, "debugexporter", "the production build has no debug exporter")
	assert.Empty(t, names(comps.Connectors))
	assert.Equal(t, []string{"bearertokenauth", "file_storage", "health_check", "pprof"}, names(comps.Extensions))
	schemes := []string{}
	for _, p := range comps.Providers {
		schemes = append(schemes, p.Scheme)
	}
	sort.Strings(schemes)
	assert.Equal(t, []string{"env", "file", "yaml"}, schemes)
}
