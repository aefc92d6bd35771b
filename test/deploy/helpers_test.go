package deploy

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// root is the repository root, seen from this module's directory.
func root(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return abs
}

func read(t *testing.T, path ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(path...))
	require.NoError(t, err)
	return b
}

// binary returns the otelcol-sbi binary, skipping when it is not built (failing under CI=true).
func binary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OTELCOL_SBI_BIN")
	if bin == "" {
		bin = filepath.Join(root(t), "dist", "otelcol-sbi")
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("otelcol-sbi binary %s missing under CI (run `make build`)", bin)
		}
		t.Skipf("otelcol-sbi binary %s not built; run `make build` or set OTELCOL_SBI_BIN", bin)
	}
	return bin
}

// validate runs `otelcol-sbi validate` on a config text, with env added to the environment.
func validate(t *testing.T, name, cfg string, env ...string) {
	t.Helper()
	bin := binary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, name+".yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "validate", "--config", "file:"+path)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s does not validate:\n%s", name, out)
}

// withLocalPolicy rewrites the in-pod policy path of a config to a copy of config/policy.yaml,
// so that `validate` loads the real policy.
func withLocalPolicy(t *testing.T, cfg, podPath string) string {
	t.Helper()
	local := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(local, read(t, root(t), "config", "policy.yaml"), 0o600))
	require.Contains(t, cfg, podPath)
	return strings.ReplaceAll(cfg, podPath, local)
}

// podEnv is what the shipped configs expect from the pod's environment.
var podEnv = []string{
	"SBI_BACKEND_TOKEN=deploy-test-token",
	"SBI_BACKEND_ENDPOINT=http://otel-collector.observability:4318",
	"SBI_EXTENSION_ID=abcdefghijklmnopabcdefghijklmnop",
	"MY_POD_IP=127.0.0.1",
}

// object is one rendered Kubernetes object: its kind and its YAML.
type object struct {
	APIVersion, Kind, Name string
	Doc                    []byte
}

// kustomize renders a kustomization directory exactly as `kubectl apply -k` would.
func kustomize(t *testing.T, dir string) []object {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), dir)
	require.NoError(t, err, "kustomize %s", dir)
	out, err := res.AsYaml()
	require.NoError(t, err)
	return splitDocs(t, out)
}

func splitDocs(t *testing.T, data []byte) []object {
	t.Helper()
	var objs []object
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		require.NoError(t, yaml.Unmarshal(doc, &head))
		objs = append(objs, object{head.APIVersion, head.Kind, head.Metadata.Name, doc})
	}
	return objs
}

// decodeStrict decodes into v, failing on any field the type does not have.
func decodeStrict(t *testing.T, what string, doc []byte, v any) {
	t.Helper()
	require.NoError(t, yaml.UnmarshalStrict(doc, v), "%s does not decode strictly", what)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// pick finds the one object of a kind (and name, when given).
func pick(t *testing.T, objs []object, kind string, name ...string) object {
	t.Helper()
	var found []object
	for _, o := range objs {
		if o.Kind == kind && (len(name) == 0 || o.Name == name[0]) {
			found = append(found, o)
		}
	}
	require.Len(t, found, 1, "one %s %v expected", kind, name)
	return found[0]
}
