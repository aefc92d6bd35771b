package reliability

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/bench/loadgen"
)

const telemetrygenVersion = "v0.161.0"

// telemetrygenBin returns bench/bin/telemetrygen-<version> (run.sh installs
// it), installing it from the module proxy when it is missing.
func telemetrygenBin(t *testing.T) string {
	t.Helper()
	bin, err := filepath.Abs("../bin/telemetrygen-" + telemetrygenVersion)
	require.NoError(t, err)
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install",
		"github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@"+telemetrygenVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "installing telemetrygen: %s", out)
	require.NoError(t, os.MkdirAll(filepath.Dir(bin), 0o755))
	require.NoError(t, os.Rename(filepath.Join(tmp, "telemetrygen"), bin))
	return bin
}

// A client nobody here wrote: telemetrygen's logs carry no event name, so
// otelcol-sbi accepts them (200), minimize drops and counts every one as
// missing_event_name, and nothing reaches the output.
func TestTelemetrygenIsHandled(t *testing.T) {
	bin := telemetrygenBin(t)
	n := newNode(t, "tgen", frontFileConfig())
	n.start()
	const workers, perWorker = 2, 2000
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "logs", "--otlp-http", "--otlp-insecure", "--otlp-endpoint", n.endpoint,
		"--rate", "0", "--workers", "2", "--logs", "2000")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "telemetrygen failed: %s", out)

	want := float64(workers * perWorker)
	require.Eventually(t, func() bool {
		return n.metric("otelcol_minimize_records_dropped", `reason="missing_event_name"`) >= want
	}, 60*time.Second, 200*time.Millisecond, "minimize did not count telemetrygen's records as missing_event_name")
	require.Equal(t, want, n.metric("otelcol_minimize_records_in"))
	require.Equal(t, want, n.metric("otelcol_minimize_records_dropped", `reason="missing_event_name"`))
	n.stop()
	o, err := loadgen.ReadOutput(filepath.Join(n.dir, "out*.jsonl"))
	require.NoError(t, err)
	require.Zero(t, o.Records, "telemetrygen's records reached the output")
}
