package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testcert"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// exampleConfigs are the shipped example configurations under config/.
func exampleConfigs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "config", "otelcol*.yaml"))
	require.NoError(t, err)
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	for _, want := range []string{"otelcol.yaml", "otelcol-tls.yaml", "otelcol-backend.yaml", "otelcol-fanout.yaml"} {
		require.Contains(t, names, want)
	}
	return names
}

// exampleEnv is what the examples expect from the environment (secrets have no default).
var exampleEnv = []string{"SBI_BACKEND_TOKEN=e2e-backend-token-0f5c"}

// TestExampleConfigsValidate runs `otelcol-sbi validate` on every shipped config, from the
// repository root as `make run` does (the policy path is relative to it).
func TestExampleConfigsValidate(t *testing.T) {
	root := repoRoot(t)
	for _, name := range exampleConfigs(t) {
		t.Run(name, func(t *testing.T) {
			code, out := runToExit(t, root, exampleEnv, "validate", "--config", "file:"+filepath.Join(root, "config", name))
			assert.Equal(t, 0, code, "validate %s:\n%s", name, out)
		})
	}
}

// TestBackendTokenIsRequired: the backend examples refuse to start without a token rather
// than send unauthenticated.
func TestBackendTokenIsRequired(t *testing.T) {
	root := repoRoot(t)
	for _, name := range []string{"otelcol-backend.yaml", "otelcol-fanout.yaml"} {
		code, out := runToExit(t, root, []string{"SBI_BACKEND_TOKEN="}, "validate", "--config", "file:"+filepath.Join(root, "config", name))
		assert.NotEqual(t, 0, code, "%s validated without a token", name)
		assert.Contains(t, out, "bearertokenauth")
	}
}

// runDir prepares a working directory for a shipped config: its relative policy path
// (config/policy.yaml) resolves to a copy of the repository's policy, its ./data paths to
// the directory itself.
func runDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	policy, err := os.ReadFile(filepath.Join(repoRoot(t), "config", "policy.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "config"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config", "policy.yaml"), policy, 0o600))
	return dir
}

// exampleArgs runs a shipped config unchanged except for the listen ports, which the test
// picks free (--set overrides single keys on top of the file).
func exampleArgs(t *testing.T, name string, p ports) []string {
	t.Helper()
	return []string{
		"--config", "file:" + filepath.Join(repoRoot(t), "config", name),
		fmt.Sprintf("--set=receivers.extevents.endpoint=127.0.0.1:%d", p.recv),
		fmt.Sprintf("--set=extensions.health_check.endpoint=127.0.0.1:%d", p.health),
		fmt.Sprintf(`--set=service.telemetry.metrics.readers=[{pull: {exporter: {prometheus: {host: "127.0.0.1", port: %d}}}}]`, p.metrics),
	}
}

// selfSigned writes a CA and a certificate for 127.0.0.1 signed by it into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	f := testcert.Write(t, dir)
	return f.CertFile, f.KeyFile, f.Pool
}

// TestTLSEdge runs config/otelcol-tls.yaml with a generated certificate: events arrive over
// HTTPS and are written minimized; plain HTTP gets no answer from the pipeline.
func TestTLSEdge(t *testing.T) {
	dir := runDir(t)
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	p := newPorts(t)
	from := time.Now()
	c := startWith(t, "tls-edge", dir, exampleArgs(t, "otelcol-tls.yaml", p),
		[]string{"SBI_TLS_CERT=" + certFile, "SBI_TLS_KEY=" + keyFile, "SBI_EXTENSION_ID=abcdefghijklmnopabcdefghijklmnop"}, p.health)

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}
	url := fmt.Sprintf("https://127.0.0.1:%d/v1/events", p.recv)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(beaconRequest))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Origin", "chrome-extension://abcdefghijklmnopabcdefghijklmnop")
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "chrome-extension://abcdefghijklmnopabcdefghijklmnop", resp.Header.Get("Access-Control-Allow-Origin"))

	// Another extension's origin gets no CORS grant.
	req, err = http.NewRequest(http.MethodOptions, url, nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "chrome-extension://someoneelsesextensionidxxxxxxxxx")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err = client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))

	// Plain HTTP on the TLS port is not served.
	if resp, err := (&http.Client{Timeout: 10 * time.Second}).Post(
		fmt.Sprintf("http://127.0.0.1:%d/v1/events", p.recv), "text/plain", strings.NewReader(beaconRequest)); err == nil {
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "plain HTTP must not reach the pipeline")
	}

	c.stop(t)
	got := normalize(t, canonicalAll(readOutput(t, filepath.Join(dir, "data", "events.jsonl"))), from, time.Now())
	assert.Equal(t, render(t, expectedCompact(policyVersion(t))[1:]), render(t, got))
}

// TestShippedPipelinesAreMinimized: every shipped config (examples, container image,
// Kubernetes) runs memory_limiter first and minimize last, exports only through egress, and
// gives minimize and every egress the same policy, guard on.
func TestShippedPipelinesAreMinimized(t *testing.T) {
	root := repoRoot(t)
	texts := map[string]string{}
	for _, name := range exampleConfigs(t) {
		texts["config/"+name] = string(mustRead(t, filepath.Join(root, "config", name)))
	}
	texts["deploy/container/otelcol.yaml"] = string(mustRead(t, filepath.Join(root, "deploy", "container", "otelcol.yaml")))
	// The collector config of the Kubernetes ConfigMap, which kustomize's configMapGenerator
	// copies verbatim (test/deploy renders the kustomization and checks the result).
	texts["deploy/k8s/otelcol.yaml"] = string(mustRead(t, filepath.Join(root, "deploy", "k8s", "otelcol.yaml")))

	for name, text := range texts {
		t.Run(name, func(t *testing.T) {
			var cfg map[string]any
			require.NoError(t, yaml.Unmarshal([]byte(text), &cfg))
			pipelines := get(t, cfg, "service", "pipelines").(map[string]any)
			require.NotEmpty(t, pipelines)
			for id, p := range pipelines {
				procs := list(t, p, "processors")
				require.NotEmpty(t, procs, id)
				assert.Equal(t, "memory_limiter", procs[0], "%s: memory_limiter comes first", id)
				assert.Equal(t, "minimize", procs[len(procs)-1], "%s: minimize comes last", id)
				for _, e := range list(t, p, "exporters") {
					assert.True(t, e == "egress" || strings.HasPrefix(e.(string), "egress/"), "%s exports through %v", id, e)
				}
			}
			policy := str(t, cfg, "processors", "minimize", "policy_file")
			for id, exp := range get(t, cfg, "exporters").(map[string]any) {
				assert.Equal(t, policy, str(t, exp, "policy_file"), "%s guards with minimize's policy", id)
				assert.NotContains(t, exp, "unsafe_disable_guard", "%s must keep its guard", id)
			}
		})
	}
}
