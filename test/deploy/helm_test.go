package deploy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// chartValues are the keys of the official opentelemetry-collector chart's values.yaml that
// deploy/helm/values.yaml sets, with the chart's own names and shapes (Kubernetes types where
// the chart passes a value through to a pod spec). Decoding strictly into it catches a
// misspelled or misplaced key; the chart's JSON schema would reject those too. A key the
// chart does not have at all would have to be added here first, deliberately.
type chartValues struct {
	Mode  string `json:"mode"`
	Image struct {
		Repository string            `json:"repository"`
		Tag        string            `json:"tag"`
		PullPolicy corev1.PullPolicy `json:"pullPolicy"`
	} `json:"image"`
	Command struct {
		Name      string   `json:"name"`
		ExtraArgs []string `json:"extraArgs,omitempty"`
	} `json:"command"`
	ReplicaCount int `json:"replicaCount"`
	Statefulset  struct {
		PodManagementPolicy                  string                         `json:"podManagementPolicy"`
		VolumeClaimTemplates                 []corev1.PersistentVolumeClaim `json:"volumeClaimTemplates"`
		PersistentVolumeClaimRetentionPolicy struct {
			Enabled     bool   `json:"enabled"`
			WhenScaled  string `json:"whenScaled"`
			WhenDeleted string `json:"whenDeleted"`
		} `json:"persistentVolumeClaimRetentionPolicy"`
	} `json:"statefulset"`
	ExtraVolumeMounts  []corev1.VolumeMount        `json:"extraVolumeMounts"`
	ExtraEnvs          []corev1.EnvVar             `json:"extraEnvs"`
	PodSecurityContext corev1.PodSecurityContext   `json:"podSecurityContext"`
	SecurityContext    corev1.SecurityContext      `json:"securityContext"`
	Resources          corev1.ResourceRequirements `json:"resources"`
	Ports              map[string]chartPort        `json:"ports"`
	ServiceMonitor     struct {
		Enabled          bool `json:"enabled"`
		MetricsEndpoints []struct {
			Port     string `json:"port"`
			Interval string `json:"interval"`
		} `json:"metricsEndpoints"`
	} `json:"serviceMonitor"`
	PodDisruptionBudget struct {
		Enabled        bool `json:"enabled"`
		MaxUnavailable int  `json:"maxUnavailable"`
	} `json:"podDisruptionBudget"`
	Config map[string]any `json:"config"`
}

type chartPort struct {
	Enabled       bool            `json:"enabled"`
	ContainerPort int32           `json:"containerPort,omitempty"`
	ServicePort   int32           `json:"servicePort,omitempty"`
	Protocol      corev1.Protocol `json:"protocol,omitempty"`
}

// helmMerge merges override into base as Helm merges user values into a chart's defaults:
// maps merge recursively, anything else replaces, and a null removes the key.
func helmMerge(base, override map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range override {
		if v == nil {
			delete(out, k)
			continue
		}
		bm, bok := out[k].(map[string]any)
		om, ook := v.(map[string]any)
		if bok && ook {
			out[k] = helmMerge(bm, om)
		} else {
			out[k] = v
		}
	}
	return out
}

// TestHelmMergeRules pins the merge the chart test relies on.
func TestHelmMergeRules(t *testing.T) {
	base := map[string]any{"a": map[string]any{"x": 1, "y": 2}, "b": []any{1, 2}, "c": 3}
	got := helmMerge(base, map[string]any{"a": map[string]any{"y": nil, "z": 4}, "b": []any{9}, "c": nil})
	assert.Equal(t, map[string]any{"a": map[string]any{"x": 1, "z": 4}, "b": []any{9}}, got)
}

// TestHelmValues: the values decode strictly, run this distribution's image and binary as a
// StatefulSet with a retained queue claim, expose only its ports, and the config the chart
// would render (its defaults merged with ours) validates with the binary.
func TestHelmValues(t *testing.T) {
	var v chartValues
	decodeStrict(t, "deploy/helm/values.yaml", read(t, root(t), "deploy", "helm", "values.yaml"), &v)
	assert.Equal(t, "statefulset", v.Mode)
	assert.Equal(t, "ghcr.io/sbi-telemetry/otelcol-sbi", v.Image.Repository)
	assert.Equal(t, "usr/local/bin/otelcol-sbi", v.Command.Name, "the chart runs /<command.name>: the image's binary")
	require.Len(t, v.Statefulset.VolumeClaimTemplates, 1)
	assert.True(t, v.Statefulset.PersistentVolumeClaimRetentionPolicy.Enabled)
	assert.Equal(t, "Retain", v.Statefulset.PersistentVolumeClaimRetentionPolicy.WhenScaled)
	claim := v.Statefulset.VolumeClaimTemplates[0].Name
	mounted := ""
	for _, m := range v.ExtraVolumeMounts {
		if m.Name == claim {
			mounted = m.MountPath
		}
	}
	require.NotEmpty(t, mounted)
	for name, p := range v.Ports {
		if name != "otlp-http" && name != "metrics" {
			assert.False(t, p.Enabled, "chart port %s belongs to a receiver otelcol-sbi does not have", name)
		}
	}

	var defaults map[string]any
	require.NoError(t, yaml.Unmarshal(read(t, "testdata", "chart-default-config.yaml"), &defaults))
	cfg := helmMerge(defaults, v.Config)
	assert.Regexp(t, "^"+mounted+"/", str(t, cfg, "extensions", "file_storage", "directory"))
	assert.EqualValues(t, v.Ports["otlp-http"].ContainerPort, portOf(t, "x"+str(t, cfg, "receivers", "extevents", "endpoint")[len("${env:MY_POD_IP}"):]))
	assert.EqualValues(t, v.Ports["metrics"].ContainerPort, get(t, cfg, "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "port"))
	checkPinnedNaming(t, "helm", cfg)
	checkPprof(t, "helm", cfg)
	checkPipeline(t, "helm", cfg)
	raw, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	validate(t, "helm", withLocalPolicy(t, string(raw), "/etc/otelcol-sbi/policy.yaml"), podEnv...)
}
