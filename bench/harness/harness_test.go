package harness

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetricSumsMatchingSamples(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `# HELP otelcol_minimize_records_dropped Whole log records dropped.
# TYPE otelcol_minimize_records_dropped counter
otelcol_minimize_records_dropped{reason="missing_event_name"} 102
otelcol_minimize_records_dropped{reason="unknown_event"} 298
otelcol_minimize_records_dropped_total_other 5
otelcol_minimize_records_in 2000
`)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	ctx := context.Background()
	v, err := Metric(ctx, port, "otelcol_minimize_records_dropped")
	require.NoError(t, err)
	assert.Equal(t, 400.0, v, "a longer metric name with the same prefix is not summed")
	v, err = Metric(ctx, port, "otelcol_minimize_records_dropped", `reason="missing_event_name"`)
	require.NoError(t, err)
	assert.Equal(t, 102.0, v)
	v, err = Metric(ctx, port, "otelcol_minimize_records_in")
	require.NoError(t, err)
	assert.Equal(t, 2000.0, v)
	_, err = Metric(ctx, port, "otelcol_absent")
	require.Error(t, err)
}

// A started process can be measured from /proc, stopped by its PID, and its
// log read back.
func TestProcessMeasuredAndStopped(t *testing.T) {
	sh, err := os.Stat("/bin/sh")
	if err != nil || sh.IsDir() {
		t.Skip("no /bin/sh")
	}
	logPath := filepath.Join(t.TempDir(), "p.log")
	// Busy for a moment (CPU time), then wait to be stopped.
	p, err := Start("sh", "/bin/sh", []string{"-c", "echo started; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exec sleep 60"}, nil, logPath)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		c, err := p.CPUSeconds()
		return err == nil && c > 0
	}, 30*time.Second, 50*time.Millisecond)
	hwm, err := p.PeakRSS()
	require.NoError(t, err)
	assert.Positive(t, hwm)
	require.NoError(t, p.Stop(10*time.Second))
	assert.True(t, p.Exited())
	assert.Contains(t, p.LogTail(100), "started")
}

func TestWaitStableAcrossRotatedFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "out.jsonl"), []byte("abc\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "out-1.jsonl"), []byte("defg\n"), 0o600))
	assert.EqualValues(t, 9, WaitStable(filepath.Join(dir, "out*.jsonl"), 200*time.Millisecond, 10*time.Second))
}
