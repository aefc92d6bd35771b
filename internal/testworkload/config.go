package testworkload

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"
)

// Config is the collector config template of the tests and benchmarks: one
// otelcol-sbi whose logs pipeline is extevents -> [memory_limiter] ->
// [minimize] -> one egress exporter, with its own metrics on a loopback
// Prometheus endpoint. Fields left zero leave their part out; the map fields
// hold the settings that differ between users, under the component's key.
type Config struct {
	// Endpoint is the extevents endpoint, 127.0.0.1:port.
	Endpoint string
	// Receiver holds further extevents settings (service_name, cors,
	// limits, rate_limit, auth, timeouts).
	Receiver map[string]any
	// MemoryLimiter holds the memory_limiter settings; nil: no memory_limiter.
	MemoryLimiter map[string]any
	// Minimize puts minimize in the pipeline.
	Minimize bool
	// PolicyFile is the policy of minimize and of the egress guard (one
	// file for both); "": the embedded seed policy.
	PolicyFile string
	// File is the path of an egress/file exporter; Backend the OTLP/HTTP
	// endpoint (http://host:port) of an egress/backend exporter. Set one.
	File, Backend string
	// Exporter holds further egress settings (sending_queue, retry_on_failure).
	Exporter map[string]any
	// Extensions maps extension names to their settings; each is enabled.
	Extensions map[string]any
	// HealthPort > 0 adds health_check on 127.0.0.1:HealthPort.
	HealthPort int
	// MetricsPort > 0 serves the collector's own metrics on
	// 127.0.0.1:MetricsPort/metrics.
	MetricsPort int
	// LogLevel and MetricsLevel set service.telemetry's levels; "": default.
	LogLevel, MetricsLevel string
}

// Render returns the config as YAML.
func (c Config) Render() (string, error) {
	m, err := c.tree()
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return "", fmt.Errorf("testworkload: config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("testworkload: config: %w", err)
	}
	return b.String(), nil
}

// tree builds the config as nested maps.
func (c Config) tree() (map[string]any, error) {
	if c.Endpoint == "" {
		return nil, errors.New("testworkload: config: no extevents endpoint")
	}
	if (c.File == "") == (c.Backend == "") {
		return nil, errors.New("testworkload: config: set exactly one of File and Backend")
	}
	receiver, err := with(c.Receiver, "endpoint", c.Endpoint)
	if err != nil {
		return nil, err
	}

	processors := map[string]any{}
	var chain []string
	if c.MemoryLimiter != nil {
		processors["memory_limiter"] = c.MemoryLimiter
		chain = append(chain, "memory_limiter")
	}
	if c.Minimize {
		minimize := map[string]any{}
		if c.PolicyFile != "" {
			minimize["policy_file"] = c.PolicyFile
		}
		processors["minimize"] = minimize
		chain = append(chain, "minimize")
	}

	exporterName, destination := "egress/file", map[string]any{"file": map[string]any{"path": c.File}}
	if c.Backend != "" {
		exporterName, destination = "egress/backend", map[string]any{"otlp": map[string]any{"protocol": "http", "endpoint": c.Backend}}
	}
	exporter := maps.Clone(c.Exporter)
	if exporter == nil {
		exporter = map[string]any{}
	}
	for k, v := range destination {
		if exporter, err = with(exporter, k, v); err != nil {
			return nil, err
		}
	}
	if c.PolicyFile != "" {
		if exporter, err = with(exporter, "policy_file", c.PolicyFile); err != nil {
			return nil, err
		}
	}

	extensions := maps.Clone(c.Extensions)
	if extensions == nil {
		extensions = map[string]any{}
	}
	if c.HealthPort > 0 {
		if extensions, err = with(extensions, "health_check", map[string]any{"endpoint": fmt.Sprintf("127.0.0.1:%d", c.HealthPort)}); err != nil {
			return nil, err
		}
	}

	pipeline := map[string]any{"receivers": []string{"extevents"}, "exporters": []string{exporterName}}
	if len(chain) > 0 {
		pipeline["processors"] = chain
	}
	service := map[string]any{"pipelines": map[string]any{"logs": pipeline}}
	if len(extensions) > 0 {
		service["extensions"] = slices.Sorted(maps.Keys(extensions))
	}
	telemetry := map[string]any{}
	if c.LogLevel != "" {
		telemetry["logs"] = map[string]any{"level": c.LogLevel}
	}
	metrics := map[string]any{}
	if c.MetricsLevel != "" {
		metrics["level"] = c.MetricsLevel
	}
	if c.MetricsPort > 0 {
		metrics["readers"] = []any{map[string]any{"pull": map[string]any{"exporter": map[string]any{
			"prometheus": map[string]any{"host": "127.0.0.1", "port": c.MetricsPort}}}}}
	}
	if len(metrics) > 0 {
		telemetry["metrics"] = metrics
	}
	if len(telemetry) > 0 {
		service["telemetry"] = telemetry
	}

	tree := map[string]any{
		"receivers": map[string]any{"extevents": receiver},
		"exporters": map[string]any{exporterName: exporter},
		"service":   service,
	}
	if len(processors) > 0 {
		tree["processors"] = processors
	}
	if len(extensions) > 0 {
		tree["extensions"] = extensions
	}
	return tree, nil
}

// with returns a copy of m with key set, refusing to override a setting the
// caller gave (the template owns that key).
func with(m map[string]any, key string, v any) (map[string]any, error) {
	if _, ok := m[key]; ok {
		return nil, fmt.Errorf("testworkload: config: %q is set by the template", key)
	}
	out := maps.Clone(m)
	if out == nil {
		out = map[string]any{}
	}
	out[key] = v
	return out, nil
}
