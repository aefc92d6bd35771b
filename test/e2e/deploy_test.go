package e2e

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The Kubernetes manifests and the Dockerfile must agree with the collector config they
// ship: ports, paths, names, environment. These tests read them as data.

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

// loadManifests decodes every document of every deploy/k8s/*.yaml, by kind.
func loadManifests(t *testing.T) map[string]manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "deploy", "k8s", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	byKind := map[string]manifest{}
	for _, f := range files {
		dec := yaml.NewDecoder(bytes.NewReader(mustRead(t, f)))
		for {
			var m manifest
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, "%s does not parse", f)
			if m == nil {
				continue
			}
			kind := str(t, m, "kind")
			require.NotEmpty(t, str(t, m, "apiVersion"), f)
			if kind == "Kustomization" {
				for _, r := range list(t, m, "resources") {
					_, err := os.Stat(filepath.Join(filepath.Dir(f), r.(string)))
					assert.NoError(t, err, "kustomization resource %v", r)
				}
				continue
			}
			require.NotEmpty(t, str(t, m, "metadata", "name"), f)
			require.NotContains(t, byKind, kind, "one %s expected", kind)
			byKind[kind] = m
		}
	}
	for _, kind := range []string{"Deployment", "Service", "ConfigMap", "HorizontalPodAutoscaler"} {
		require.Contains(t, byKind, kind)
	}
	return byKind
}

func portOf(t *testing.T, endpoint string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(endpoint)
	require.NoError(t, err, endpoint)
	n, err := strconv.Atoi(p)
	require.NoError(t, err)
	return n
}

var envRef = regexp.MustCompile(`\$\{env:([A-Z0-9_]+)(:-[^}]*)?\}`)

func TestDeployManifests(t *testing.T) {
	root := repoRoot(t)
	m := loadManifests(t)
	dep, svc, cm, hpa := m["Deployment"], m["Service"], m["ConfigMap"], m["HorizontalPodAutoscaler"]

	// The ConfigMap ships the real policy, unchanged.
	policy := mustRead(t, filepath.Join(root, "config", "policy.yaml"))
	if os.Getenv("UPDATE_DEPLOY") == "1" {
		regenerateConfigMap(t, policy)
		m = loadManifests(t)
		cm = m["ConfigMap"]
	}
	assert.Equal(t, string(policy), str(t, cm, "data", "policy.yaml"),
		"deploy/k8s/configmap.yaml's policy.yaml differs from config/policy.yaml: run UPDATE_DEPLOY=1 go test ./test/e2e -run TestDeployManifests")
	cfgText := str(t, cm, "data", "otelcol.yaml")
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(cfgText), &cfg))

	// The pod mounts that ConfigMap where the args and the policy_file keys look.
	spec := get(t, dep, "spec", "template", "spec")
	containers := list(t, spec, "containers")
	require.Len(t, containers, 1)
	c := containers[0]
	mounts := map[string]string{} // volume name -> mount path
	for _, vm := range list(t, c, "volumeMounts") {
		mounts[str(t, vm, "name")] = str(t, vm, "mountPath")
	}
	volumes := map[string]any{}
	for _, v := range list(t, spec, "volumes") {
		volumes[str(t, v, "name")] = v
	}
	var configDir string
	for name, path := range mounts {
		require.Contains(t, volumes, name, "volumeMount %s has no volume", name)
		if cmRef, ok := volumes[name].(map[string]any)["configMap"]; ok {
			assert.Equal(t, str(t, cm, "metadata", "name"), str(t, cmRef, "name"))
			configDir = path
		}
	}
	require.NotEmpty(t, configDir, "the ConfigMap is mounted")
	assert.Contains(t, list(t, c, "args"), "--config="+configDir+"/otelcol.yaml")
	policyPath := configDir + "/policy.yaml"
	assert.Equal(t, policyPath, str(t, cfg, "processors", "minimize", "policy_file"))
	for id, exp := range get(t, cfg, "exporters").(map[string]any) {
		if strings.HasPrefix(id, "egress") {
			assert.Equal(t, policyPath, str(t, exp, "policy_file"), "%s guards with the same policy as minimize", id)
		}
	}
	// The queue lives on a writable volume of its own (the root filesystem is read-only).
	queueDir := str(t, cfg, "extensions", "file_storage", "directory")
	assert.True(t, strings.HasPrefix(queueDir, mounts["data"]+"/"), "file_storage directory %s is on the data volume", queueDir)
	assert.Equal(t, true, get(t, c, "securityContext", "readOnlyRootFilesystem"))
	assert.Equal(t, true, get(t, spec, "securityContext", "runAsNonRoot"))

	// Ports: the container declares what the config listens on; the probes hit health_check.
	ports := map[string]int{}
	for _, p := range list(t, c, "ports") {
		ports[str(t, p, "name")] = get(t, p, "containerPort").(int)
	}
	assert.Equal(t, portOf(t, str(t, cfg, "receivers", "extevents", "endpoint")), ports["events"])
	assert.Equal(t, portOf(t, str(t, cfg, "extensions", "health_check", "endpoint")), ports["health"])
	reader := get(t, cfg, "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus")
	assert.Equal(t, ports["metrics"], get(t, reader, "port"))
	for _, probe := range []string{"startupProbe", "readinessProbe", "livenessProbe"} {
		port := get(t, c, probe, "httpGet", "port")
		if name, ok := port.(string); ok {
			port = ports[name]
		}
		assert.Equal(t, ports["health"], port, probe)
	}
	// Listeners inside a pod must bind all interfaces to be reachable.
	for _, ep := range []string{
		str(t, cfg, "receivers", "extevents", "endpoint"),
		str(t, cfg, "extensions", "health_check", "endpoint"),
	} {
		assert.True(t, strings.HasPrefix(ep, "0.0.0.0:"), ep)
	}

	// Every ${env:X} the config needs is set by the Deployment (secrets from a Secret).
	env := map[string]any{}
	for _, e := range list(t, c, "env") {
		env[str(t, e, "name")] = e
	}
	for _, ref := range envRef.FindAllStringSubmatch(cfgText, -1) {
		if ref[2] == "" {
			assert.Contains(t, env, ref[1], "the config needs ${env:%s}", ref[1])
		}
	}
	require.Contains(t, env, "SBI_BACKEND_TOKEN")
	get(t, env["SBI_BACKEND_TOKEN"], "valueFrom", "secretKeyRef", "name")

	// Resources are bounded, and memory_limiter stays under the container's memory limit.
	limit := str(t, c, "resources", "limits", "memory")
	require.True(t, strings.HasSuffix(limit, "Mi"), limit)
	limitMiB, err := strconv.Atoi(strings.TrimSuffix(limit, "Mi"))
	require.NoError(t, err)
	assert.Less(t, get(t, cfg, "processors", "memory_limiter", "limit_mib").(int), limitMiB)
	str(t, c, "resources", "requests", "cpu")

	// Service and HPA point at the Deployment's pods and ports.
	labels := get(t, dep, "spec", "template", "metadata", "labels").(map[string]any)
	for k, v := range get(t, svc, "spec", "selector").(map[string]any) {
		assert.Equal(t, v, labels[k], "service selector %s", k)
	}
	for k, v := range get(t, dep, "spec", "selector", "matchLabels").(map[string]any) {
		assert.Equal(t, v, labels[k], "deployment selector %s", k)
	}
	for _, sp := range list(t, svc, "spec", "ports") {
		target := get(t, sp, "targetPort")
		if name, ok := target.(string); ok {
			assert.Contains(t, ports, name, "service targetPort %s", name)
		}
	}
	assert.Equal(t, "Deployment", str(t, hpa, "spec", "scaleTargetRef", "kind"))
	assert.Equal(t, str(t, dep, "metadata", "name"), str(t, hpa, "spec", "scaleTargetRef", "name"))

	// The ConfigMap's config is a valid otelcol-sbi config (with the policy where the pod has it).
	dir := t.TempDir()
	localPolicy := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(localPolicy, policy, 0o600))
	cfgFile := writeConfig(t, dir, "k8s", strings.ReplaceAll(cfgText, policyPath, localPolicy))
	code, out := runToExit(t, dir, []string{
		"SBI_BACKEND_TOKEN=k8s-test-token", "SBI_BACKEND_ENDPOINT=http://otel-collector.observability:4318", "SBI_EXTENSION_ID=*",
	}, "validate", "--config", "file:"+cfgFile)
	assert.Equal(t, 0, code, "the ConfigMap's config does not validate:\n%s", out)
}

// regenerateConfigMap rewrites the policy.yaml key (the last one) of the ConfigMap.
func regenerateConfigMap(t *testing.T, policy []byte) {
	t.Helper()
	path := filepath.Join(repoRoot(t), "deploy", "k8s", "configmap.yaml")
	data := string(mustRead(t, path))
	const key = "  policy.yaml: |\n"
	i := strings.Index(data, key)
	require.GreaterOrEqual(t, i, 0)
	var b strings.Builder
	b.WriteString(data[:i+len(key)])
	for _, line := range strings.SplitAfter(string(policy), "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("    ")
		}
		b.WriteString(line)
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
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
