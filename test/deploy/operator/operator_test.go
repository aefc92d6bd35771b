// Package operator checks deploy/operator against the OpenTelemetry Operator's own Go types.
package operator

import (
	"testing"

	otelv1beta1 "github.com/open-telemetry/opentelemetry-operator/apis/v1beta1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// TestOperatorCollector: deploy/operator decodes strictly into the Operator's
// OpenTelemetryCollector type (github.com/open-telemetry/opentelemetry-operator v0.140.0), runs
// as a StatefulSet with the same retained queue claim as deploy/k8s, runs the same pipeline
// with the pinned metric naming, and its config validates with the binary.
func TestOperatorCollector(t *testing.T) {
	doc := read(t, root(t), "deploy", "operator", "opentelemetrycollector.yaml")
	var c otelv1beta1.OpenTelemetryCollector
	require.NoError(t, yaml.UnmarshalStrict(doc, &c), "does not decode strictly")
	assert.Equal(t, "opentelemetry.io/v1beta1", c.APIVersion)
	assert.Equal(t, "OpenTelemetryCollector", c.Kind)
	assert.Equal(t, otelv1beta1.ModeStatefulSet, c.Spec.Mode)
	assert.Equal(t, otelv1beta1.UpgradeStrategyNone, c.Spec.UpgradeStrategy, "the Operator must not replace this distribution's image")
	require.NotNil(t, c.Spec.PersistentVolumeClaimRetentionPolicy)
	assert.Equal(t, appsv1.RetainPersistentVolumeClaimRetentionPolicyType, c.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled)
	assert.Equal(t, appsv1.RetainPersistentVolumeClaimRetentionPolicyType, c.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted)
	require.Len(t, c.Spec.VolumeClaimTemplates, 1)
	claim := c.Spec.VolumeClaimTemplates[0].Name
	mounted := ""
	for _, m := range c.Spec.VolumeMounts {
		if m.Name == claim {
			mounted = m.MountPath
		}
	}
	require.NotEmpty(t, mounted, "the claim is mounted")
	require.NotNil(t, c.Spec.PodSecurityContext)
	assert.Equal(t, int64(65532), *c.Spec.PodSecurityContext.RunAsUser, "the image's non-root user")

	// The config as the Operator writes it into the collector's ConfigMap.
	text, err := c.Spec.Config.Yaml()
	require.NoError(t, err)
	var cfg struct {
		Extensions struct {
			FileStorage struct {
				Directory string `json:"directory"`
			} `json:"file_storage"`
			Pprof struct {
				Endpoint string `json:"endpoint"`
			} `json:"pprof"`
		} `json:"extensions"`
		Processors struct {
			Minimize struct {
				PolicyFile string `json:"policy_file"`
			} `json:"minimize"`
		} `json:"processors"`
		Exporters map[string]struct {
			PolicyFile string `json:"policy_file"`
		} `json:"exporters"`
		Service struct {
			Pipelines map[string]struct {
				Processors []string `json:"processors"`
				Exporters  []string `json:"exporters"`
			} `json:"pipelines"`
			Telemetry struct {
				Metrics struct {
					Level   string `json:"level"`
					Readers []struct {
						Pull struct {
							Exporter struct {
								Prometheus map[string]any `json:"prometheus"`
							} `json:"exporter"`
						} `json:"pull"`
					} `json:"readers"`
				} `json:"metrics"`
			} `json:"telemetry"`
		} `json:"service"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(text), &cfg))
	assert.Regexp(t, "^"+mounted+"/", cfg.Extensions.FileStorage.Directory, "the queue is on the claim")
	assert.Regexp(t, `^127\.0\.0\.1:`, cfg.Extensions.Pprof.Endpoint, "pprof on loopback only")
	require.Len(t, cfg.Service.Pipelines, 1)
	assert.Equal(t, []string{"memory_limiter", "minimize"}, cfg.Service.Pipelines["logs"].Processors)
	for id, e := range cfg.Exporters {
		assert.Regexp(t, `^egress(/|$)`, id)
		assert.Equal(t, cfg.Processors.Minimize.PolicyFile, e.PolicyFile, "%s guards with minimize's policy", id)
	}
	assert.Equal(t, "normal", cfg.Service.Telemetry.Metrics.Level)
	require.Len(t, cfg.Service.Telemetry.Metrics.Readers, 1)
	prom := cfg.Service.Telemetry.Metrics.Readers[0].Pull.Exporter.Prometheus
	for _, k := range []string{"without_type_suffix", "without_units", "without_scope_info"} {
		assert.Equal(t, false, prom[k], "metric naming pinned: %s", k)
	}
	validate(t, text, cfg.Processors.Minimize.PolicyFile,
		"SBI_BACKEND_TOKEN=deploy-test-token", "SBI_BACKEND_ENDPOINT=http://otel-collector.observability:4318",
		"SBI_EXTENSION_ID=abcdefghijklmnopabcdefghijklmnop")
}
