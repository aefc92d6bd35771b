package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// typed returns an empty object of the API type a manifest declares.
func typed(apiVersion, kind string) any {
	switch apiVersion + "/" + kind {
	case "apps/v1/StatefulSet":
		return &appsv1.StatefulSet{}
	case "v1/Service":
		return &corev1.Service{}
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "networking.k8s.io/v1/NetworkPolicy":
		return &networkingv1.NetworkPolicy{}
	case "monitoring.coreos.com/v1/ServiceMonitor":
		return &monitoringv1.ServiceMonitor{}
	case "monitoring.coreos.com/v1/PrometheusRule":
		return &monitoringv1.PrometheusRule{}
	}
	return nil
}

// TestManifestsDecodeStrictly: both kustomizations render, and every object they produce, and
// every document of every source file, decodes strictly into its API type.
func TestManifestsDecodeStrictly(t *testing.T) {
	for dir, want := range map[string][]string{
		"k8s":            {"StatefulSet", "Service", "ConfigMap", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"},
		"k8s/monitoring": {"ServiceMonitor", "PrometheusRule", "ConfigMap"},
	} {
		t.Run(dir, func(t *testing.T) {
			path := filepath.Join(root(t), "deploy", dir)
			seen := map[string]bool{}
			for _, o := range kustomize(t, path) {
				obj := typed(o.APIVersion, o.Kind)
				require.NotNil(t, obj, "unexpected %s %s", o.APIVersion, o.Kind)
				decodeStrict(t, o.Kind+" "+o.Name, o.Doc, obj)
				seen[o.Kind] = true
			}
			for _, k := range want {
				assert.True(t, seen[k], "no %s rendered from deploy/%s", k, dir)
			}
			// The sources too (kustomize passes unknown fields through unchanged).
			files, err := filepath.Glob(filepath.Join(path, "*.yaml"))
			require.NoError(t, err)
			for _, f := range files {
				if filepath.Base(f) == "kustomization.yaml" || filepath.Base(f) == "otelcol.yaml" || filepath.Base(f) == "policy.yaml" {
					continue
				}
				for _, o := range splitDocs(t, read(t, f)) {
					obj := typed(o.APIVersion, o.Kind)
					require.NotNil(t, obj, "%s: unexpected %s %s", f, o.APIVersion, o.Kind)
					decodeStrict(t, f, o.Doc, obj)
				}
			}
		})
	}
}

// TestPolicyIsTheSeedPolicy: the ConfigMap ships config/policy.yaml byte for byte. kustomize
// cannot read outside deploy/k8s, so deploy/k8s/policy.yaml is a copy: `make k8s-sync`
// (or UPDATE_DEPLOY=1 on this test) refreshes it.
func TestPolicyIsTheSeedPolicy(t *testing.T) {
	seed := read(t, root(t), "config", "policy.yaml")
	copyPath := filepath.Join(root(t), "deploy", "k8s", "policy.yaml")
	if os.Getenv("UPDATE_DEPLOY") == "1" {
		require.NoError(t, os.WriteFile(copyPath, seed, 0o644))
	}
	assert.Equal(t, string(seed), string(read(t, copyPath)),
		"deploy/k8s/policy.yaml differs from config/policy.yaml: run `make k8s-sync`")

	cm := pick(t, kustomize(t, filepath.Join(root(t), "deploy", "k8s")), "ConfigMap")
	var c corev1.ConfigMap
	decodeStrict(t, "ConfigMap", cm.Doc, &c)
	assert.Equal(t, string(seed), c.Data["policy.yaml"], "the rendered ConfigMap carries the seed policy")
	assert.Equal(t, string(read(t, root(t), "deploy", "k8s", "otelcol.yaml")), c.Data["otelcol.yaml"])
}

// TestConfigEditRollsPods: the ConfigMap's name carries a hash of its content and the
// StatefulSet's pod template references that name, so an edit of the config or of the policy
// changes the pod template (a rollout) — checked by rendering edited copies.
func TestConfigEditRollsPods(t *testing.T) {
	src := filepath.Join(root(t), "deploy", "k8s")
	render := func(t *testing.T, edit func(dir string)) (cmName, podRef string) {
		dir := t.TempDir()
		entries, err := os.ReadDir(src)
		require.NoError(t, err)
		for _, e := range entries {
			if e.Type().IsRegular() {
				require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), read(t, src, e.Name()), 0o600))
			}
		}
		edit(dir)
		objs := kustomize(t, dir)
		var ss appsv1.StatefulSet
		decodeStrict(t, "StatefulSet", pick(t, objs, "StatefulSet").Doc, &ss)
		for _, v := range ss.Spec.Template.Spec.Volumes {
			if v.ConfigMap != nil {
				podRef = v.ConfigMap.Name
			}
		}
		return pick(t, objs, "ConfigMap").Name, podRef
	}
	appendTo := func(file, text string) func(string) {
		return func(dir string) {
			f, err := os.OpenFile(filepath.Join(dir, file), os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteString(text)
			require.NoError(t, err)
			require.NoError(t, f.Close())
		}
	}
	base, baseRef := render(t, func(string) {})
	assert.Equal(t, base, baseRef, "the pod template references the generated ConfigMap")
	assert.Regexp(t, `^otelcol-sbi-[a-z0-9]{10}$`, base, "the name carries a content hash")
	for _, tc := range []struct{ name, file, text string }{
		{"policy edit", "policy.yaml", "# a reviewed edit\n"},
		{"config edit", "otelcol.yaml", "# a reviewed edit\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, ref := render(t, appendTo(tc.file, tc.text))
			assert.NotEqual(t, base, name, "a %s must change the ConfigMap name", tc.name)
			assert.Equal(t, name, ref, "and the StatefulSet must follow it")
		})
	}
	again, _ := render(t, func(string) {})
	assert.Equal(t, base, again, "the same content gives the same name (no spurious rollouts)")
}

// TestStatefulSet checks the pod against the config it runs: the queue on a per-pod claim that
// outlives scale-down, the config where the args point, ports, probes, env, limits.
func TestStatefulSet(t *testing.T) {
	objs := kustomize(t, filepath.Join(root(t), "deploy", "k8s"))
	var ss appsv1.StatefulSet
	decodeStrict(t, "StatefulSet", pick(t, objs, "StatefulSet").Doc, &ss)
	var cm corev1.ConfigMap
	decodeStrict(t, "ConfigMap", pick(t, objs, "ConfigMap").Doc, &cm)
	cfg := parseConfig(t, cm.Data["otelcol.yaml"])
	spec := ss.Spec.Template.Spec

	// The queue: a volumeClaimTemplate, mounted where file_storage writes, kept on scale-down.
	require.Len(t, ss.Spec.VolumeClaimTemplates, 1)
	claim := ss.Spec.VolumeClaimTemplates[0].Name
	require.NotNil(t, ss.Spec.PersistentVolumeClaimRetentionPolicy, "the claim retention policy is stated")
	assert.Equal(t, appsv1.RetainPersistentVolumeClaimRetentionPolicyType, ss.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled,
		"a scale-down must keep the claim: it holds acknowledged events")
	assert.Equal(t, appsv1.RetainPersistentVolumeClaimRetentionPolicyType, ss.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted)
	for _, v := range spec.Volumes {
		assert.NotEqual(t, claim, v.Name, "the claim is not shadowed by a pod volume")
		assert.Nil(t, v.EmptyDir, "no emptyDir: a queue there dies with the pod")
	}
	require.Len(t, spec.Containers, 1)
	c := spec.Containers[0]
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	queueDir := str(t, cfg, "extensions", "file_storage", "directory")
	assert.True(t, strings.HasPrefix(queueDir, mounts[claim]+"/"), "file_storage %s is on the claim %s", queueDir, mounts[claim])
	assert.Equal(t, "file_storage", str(t, cfg, "exporters", "egress/backend", "sending_queue", "storage"))
	assert.Equal(t, "otelcol-sbi-headless", ss.Spec.ServiceName)

	// The config: mounted from the generated ConfigMap where --config and policy_file point.
	var configDir string
	for _, v := range spec.Volumes {
		if v.ConfigMap != nil {
			assert.Equal(t, cm.Name, v.ConfigMap.Name)
			configDir = mounts[v.Name]
		}
	}
	require.NotEmpty(t, configDir)
	assert.Contains(t, c.Args, "--config="+configDir+"/otelcol.yaml")
	policyPath := configDir + "/policy.yaml"
	assert.Equal(t, policyPath, str(t, cfg, "processors", "minimize", "policy_file"))
	for id := range get(t, cfg, "exporters").(map[string]any) {
		assert.Equal(t, policyPath, str(t, cfg, "exporters", id, "policy_file"), "%s guards with minimize's policy", id)
	}
	assert.True(t, *c.SecurityContext.ReadOnlyRootFilesystem)
	assert.True(t, *spec.SecurityContext.RunAsNonRoot)
	assert.Equal(t, int64(65532), *spec.SecurityContext.RunAsUser, "the image's non-root user")

	// Ports and probes agree with the listeners; listeners bind all interfaces, pprof only loopback.
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	assert.Equal(t, portOf(t, str(t, cfg, "receivers", "extevents", "endpoint")), ports["events"])
	assert.Equal(t, portOf(t, str(t, cfg, "extensions", "health_check", "endpoint")), ports["health"])
	assert.EqualValues(t, ports["metrics"], get(t, cfg, "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus", "port"))
	for name, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		require.NotNil(t, p, name)
		assert.Equal(t, intstr.FromString("health"), p.HTTPGet.Port, name)
	}
	assert.True(t, strings.HasPrefix(str(t, cfg, "receivers", "extevents", "endpoint"), "0.0.0.0:"))
	assert.True(t, strings.HasPrefix(str(t, cfg, "extensions", "pprof", "endpoint"), "127.0.0.1:"), "pprof on loopback only")

	// Every ${env:X} without a default is set; the token from a Secret.
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	for _, name := range envRefs(cm.Data["otelcol.yaml"]) {
		assert.Contains(t, env, name, "the config needs ${env:%s}", name)
	}
	require.Contains(t, env, "SBI_BACKEND_TOKEN")
	require.NotNil(t, env["SBI_BACKEND_TOKEN"].ValueFrom)
	assert.NotNil(t, env["SBI_BACKEND_TOKEN"].ValueFrom.SecretKeyRef)

	// memory_limiter below the container limit; GOMEMLIMIT below memory_limiter.
	limit := c.Resources.Limits.Memory().Value() >> 20
	ml := int64(get(t, cfg, "processors", "memory_limiter", "limit_mib").(float64))
	assert.Less(t, ml, limit)
	assert.False(t, c.Resources.Requests.Cpu().IsZero())
	assert.Regexp(t, `^[0-9]+MiB$`, env["GOMEMLIMIT"].Value)

	// The image is the one the release builds, at the tag kustomize sets.
	assert.True(t, strings.HasPrefix(c.Image, "ghcr.io/sbi-telemetry/otelcol-sbi:"), c.Image)

	// Service, headless Service, HPA and PDB point at these pods.
	labels := ss.Spec.Template.Labels
	for _, o := range objs {
		switch o.Kind {
		case "Service":
			var svc corev1.Service
			decodeStrict(t, o.Name, o.Doc, &svc)
			for k, v := range svc.Spec.Selector {
				assert.Equal(t, v, labels[k], "%s selector %s", o.Name, k)
			}
			for _, sp := range svc.Spec.Ports {
				assert.Contains(t, ports, sp.TargetPort.StrVal, "%s targetPort", o.Name)
			}
		case "HorizontalPodAutoscaler":
			var hpa autoscalingv2.HorizontalPodAutoscaler
			decodeStrict(t, o.Name, o.Doc, &hpa)
			assert.Equal(t, "StatefulSet", hpa.Spec.ScaleTargetRef.Kind)
			assert.Equal(t, ss.Name, hpa.Spec.ScaleTargetRef.Name)
		case "PodDisruptionBudget":
			var pdb policyv1.PodDisruptionBudget
			decodeStrict(t, o.Name, o.Doc, &pdb)
			for k, v := range pdb.Spec.Selector.MatchLabels {
				assert.Equal(t, v, labels[k])
			}
		case "NetworkPolicy":
			var np networkingv1.NetworkPolicy
			decodeStrict(t, o.Name, o.Doc, &np)
			for k, v := range np.Spec.PodSelector.MatchLabels {
				assert.Equal(t, v, labels[k])
			}
			allowed := map[string]bool{}
			for _, r := range np.Spec.Ingress {
				for _, p := range r.Ports {
					allowed[p.Port.StrVal] = true
				}
			}
			for _, name := range []string{"events", "health", "metrics"} {
				assert.True(t, allowed[name], "NetworkPolicy admits port %s", name)
			}
		}
	}

	// The in-cluster config validates with the real policy.
	validate(t, "k8s", withLocalPolicy(t, cm.Data["otelcol.yaml"], policyPath), podEnv...)
}

// TestServiceMonitorScrapesEachPodOnce: the ServiceMonitor's selector matches exactly one of
// the Services (the headless one has no metrics port either), on the metrics port.
func TestServiceMonitorScrapesEachPodOnce(t *testing.T) {
	objs := kustomize(t, filepath.Join(root(t), "deploy", "k8s"))
	var sm monitoringv1.ServiceMonitor
	decodeStrict(t, "ServiceMonitor", pick(t, kustomize(t, filepath.Join(root(t), "deploy", "k8s", "monitoring")), "ServiceMonitor").Doc, &sm)
	matched := 0
	for _, o := range objs {
		if o.Kind != "Service" {
			continue
		}
		var svc corev1.Service
		decodeStrict(t, o.Name, o.Doc, &svc)
		ok := true
		for k, v := range sm.Spec.Selector.MatchLabels {
			ok = ok && svc.Labels[k] == v
		}
		if ok {
			matched++
			var names []string
			for _, p := range svc.Spec.Ports {
				names = append(names, p.Name)
			}
			require.Len(t, sm.Spec.Endpoints, 1)
			assert.Contains(t, names, sm.Spec.Endpoints[0].Port)
		}
	}
	assert.Equal(t, 1, matched, "the ServiceMonitor selects exactly one Service")
}

// TestKustomizeImageTagIsTheRelease: the tag the manifests deploy is the newest release in
// CHANGELOG.md (what `make release VERSION=...` builds), and the Operator and Helm files agree.
func TestKustomizeImageTagIsTheRelease(t *testing.T) {
	var k struct {
		Images []struct {
			Name   string `json:"name"`
			NewTag string `json:"newTag"`
		} `json:"images"`
	}
	require.NoError(t, yaml.Unmarshal(read(t, root(t), "deploy", "k8s", "kustomization.yaml"), &k))
	require.Len(t, k.Images, 1)
	tag := k.Images[0].NewTag
	assert.Equal(t, latestRelease(t), tag)
	assert.Contains(t, string(read(t, root(t), "deploy", "operator", "opentelemetrycollector.yaml")), "image: "+k.Images[0].Name+":"+tag)
	assert.Contains(t, string(read(t, root(t), "deploy", "helm", "values.yaml")), `tag: "`+tag+`"`)
}
