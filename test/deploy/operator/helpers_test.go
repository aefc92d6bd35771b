package operator

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The few helpers of ../helpers_test.go this module needs. It is a module of its own because the
// Operator v0.140.0 (the newest the module proxy serves) needs an older controller-runtime than
// prometheus-operator v0.95.2 in ../ does; Go cannot select both in one module.

func root(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	return abs
}

func read(t *testing.T, path ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(path...))
	require.NoError(t, err)
	return b
}

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

// validate runs `otelcol-sbi validate` on a config whose in-pod policy path is replaced by a
// copy of config/policy.yaml.
func validate(t *testing.T, cfg, podPolicy string, env ...string) {
	t.Helper()
	bin := binary(t)
	dir := t.TempDir()
	local := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(local, read(t, root(t), "config", "policy.yaml"), 0o600))
	require.Contains(t, cfg, podPolicy)
	path := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(cfg, podPolicy, local)), 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "validate", "--config", "file:"+path)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the config does not validate:\n%s", out)
}
