package testworkload

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"gopkg.in/yaml.v3"

	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter"
	"github.com/sbi-telemetry/otelcol-sbi/processor/minimizeprocessor"
	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"
)

func render(t *testing.T, c Config) map[string]any {
	t.Helper()
	s, err := c.Render()
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(s), &m))
	return m
}

func section(t *testing.T, m map[string]any, path ...string) map[string]any {
	t.Helper()
	for _, k := range path {
		next, ok := m[k].(map[string]any)
		require.True(t, ok, "no map at %v", path)
		m = next
	}
	return m
}

// validates unmarshals a component's section into its factory's default
// config and validates it, as the collector does at start.
func validates(t *testing.T, f component.Factory, sec map[string]any) {
	t.Helper()
	cfg := f.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(sec).Unmarshal(cfg), "%s", f.Type())
	if v, ok := cfg.(interface{ Validate() error }); ok {
		require.NoError(t, v.Validate(), "%s", f.Type())
	}
}

// assertKey: m[key] is want, or absent when want is nil.
func assertKey(t *testing.T, m map[string]any, key string, want []any) {
	t.Helper()
	if want == nil {
		assert.NotContains(t, m, key)
		return
	}
	assert.Equal(t, want, m[key])
}

func TestConfigRenders(t *testing.T) {
	edge := Config{
		Endpoint:      "127.0.0.1:4318",
		Receiver:      map[string]any{"service_name": "sbi-extension", "cors": map[string]any{"allowed_origins": []string{"chrome-extension://*"}}},
		MemoryLimiter: map[string]any{"check_interval": "1s", "limit_mib": 256},
		Minimize:      true,
		PolicyFile:    "../../config/policy.yaml",
		File:          "./data/events.jsonl",
		HealthPort:    13133,
		MetricsPort:   8888,
	}
	backend := Config{
		Endpoint:    "127.0.0.1:4319",
		Receiver:    map[string]any{"rate_limit": map[string]any{"requests_per_second": 0}},
		Minimize:    true,
		Backend:     "http://127.0.0.1:4320",
		Extensions:  map[string]any{"file_storage": map[string]any{"directory": "/tmp/q"}},
		Exporter:    map[string]any{"sending_queue": map[string]any{"storage": "file_storage"}},
		LogLevel:    "warn",
		MetricsPort: 8889,
	}
	plain := Config{Endpoint: "127.0.0.1:4321", File: "out.jsonl"}

	tests := []struct {
		name           string
		cfg            Config
		exporter       string
		processors     []any
		extensions     []any
		policyFile     bool
		health, metric bool
	}{
		{"edge to file", edge, "egress/file", []any{"memory_limiter", "minimize"}, []any{"health_check"}, true, true, true},
		{"front to backend", backend, "egress/backend", []any{"minimize"}, []any{"file_storage"}, false, false, true},
		{"receiver to file", plain, "egress/file", nil, nil, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := render(t, tt.cfg)
			pipeline := section(t, m, "service", "pipelines", "logs")
			assert.Equal(t, []any{"extevents"}, pipeline["receivers"])
			assert.Equal(t, []any{tt.exporter}, pipeline["exporters"])
			assertKey(t, pipeline, "processors", tt.processors)
			assertKey(t, section(t, m, "service"), "extensions", tt.extensions)

			rcv := section(t, m, "receivers", "extevents")
			assert.Equal(t, tt.cfg.Endpoint, rcv["endpoint"])
			validates(t, exteventsreceiver.NewFactory(), rcv)
			exp := section(t, m, "exporters", tt.exporter)
			validates(t, egressexporter.NewFactory(), exp)
			if tt.cfg.Minimize {
				min := section(t, m, "processors", "minimize")
				validates(t, minimizeprocessor.NewFactory(), min)
				if tt.policyFile {
					assert.Equal(t, tt.cfg.PolicyFile, min["policy_file"])
					assert.Equal(t, tt.cfg.PolicyFile, exp["policy_file"], "one policy for minimize and the guard")
				}
			}
			_, hasHealth := section(t, m)["extensions"]
			if tt.health {
				assert.Equal(t, "127.0.0.1:13133", section(t, m, "extensions", "health_check")["endpoint"])
			} else if hasHealth {
				assert.NotContains(t, section(t, m, "extensions"), "health_check")
			}
			if tt.metric {
				readers := section(t, m, "service", "telemetry", "metrics")["readers"].([]any)
				prom := section(t, readers[0].(map[string]any), "pull", "exporter", "prometheus")
				assert.Equal(t, "127.0.0.1", prom["host"])
				assert.Equal(t, tt.cfg.MetricsPort, prom["port"])
			} else {
				assert.NotContains(t, section(t, m, "service"), "telemetry")
			}
		})
	}
	// The caller's maps are not written to.
	assert.NotContains(t, edge.Receiver, "endpoint")
	assert.NotContains(t, backend.Exporter, "otlp")
}

func TestConfigRefusesWhatTheTemplateOwns(t *testing.T) {
	tests := []struct {
		name, want string
		cfg        Config
	}{
		{"no endpoint", "no extevents endpoint", Config{File: "x"}},
		{"no destination", "exactly one", Config{Endpoint: "127.0.0.1:1"}},
		{"two destinations", "exactly one", Config{Endpoint: "127.0.0.1:1", File: "x", Backend: "http://127.0.0.1:2"}},
		{"endpoint in Receiver", `"endpoint" is set by the template`, Config{Endpoint: "127.0.0.1:1", File: "x", Receiver: map[string]any{"endpoint": "0.0.0.0:1"}}},
		{"file in Exporter", `"file" is set by the template`, Config{Endpoint: "127.0.0.1:1", File: "x", Exporter: map[string]any{"file": map[string]any{}}}},
		{"health_check in Extensions", `"health_check" is set by the template`, Config{Endpoint: "127.0.0.1:1", File: "x", HealthPort: 1, Extensions: map[string]any{"health_check": nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.cfg.Render()
			require.ErrorContains(t, err, tt.want)
		})
	}
}
