package egressexporter

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/filewriter"
	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/metadatatest"
)

func fileConfig(path string) *Config {
	cfg := createDefaultConfig().(*Config)
	fc := cfg.File.GetOrInsertDefault()
	fc.Path = path
	return cfg
}

func TestFileRoundTripAndModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "dir")
	path := filepath.Join(dir, "events.jsonl")
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })

	exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tt), fileConfig(path))
	require.NoError(t, err)
	mustStart(t, exp, componenttest.NewNopHost())

	var want []plog.Logs
	total := 0
	for i := range 20 {
		ld := minimizedBatch(t, i, 30)
		want = append(want, minimizedBatch(t, i, 30))
		total += ld.LogRecordCount()
		require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	}
	// The queue is asynchronous: Shutdown must drain it and flush the file.
	require.NoError(t, exp.Shutdown(context.Background()))

	st, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())
	st, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	lines := readLines(t, path)
	require.Len(t, lines, len(want), "one ExportLogsServiceRequest per line")
	// The queue has several consumers, so lines may be in any order.
	wantLines := map[string]bool{}
	for _, w := range want {
		wantLines[jsonLine(t, w)] = true
	}
	var bytesWritten int64
	for _, line := range lines {
		bytesWritten += int64(len(line) + 1)
		got := decodeLine(t, line)
		assert.True(t, wantLines[jsonLine(t, got)], "a line that is not one of the batches sent")
		delete(wantLines, jsonLine(t, got))
		assert.NotContains(t, line, secretMarker)
	}
	assert.Empty(t, wantLines, "every batch is in the file")

	metadatatest.AssertEqualEgressRecordsExported(t, tt,
		[]metricdata.DataPoint[int64]{{Value: int64(total)}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualEgressBytesWritten(t, tt,
		[]metricdata.DataPoint[int64]{{Value: bytesWritten}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

func TestFileRotationCompressionAndRestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	cfg := fileConfig(path)
	cfg.File.Get().Rotation.MaxMegabytes = 1
	cfg.File.Get().Compression = compressionGzip

	sent := 0
	var wantKeys []string
	for run := range 2 { // a restart appends to the same active file
		exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tt), cfg)
		require.NoError(t, err)
		mustStart(t, exp, componenttest.NewNopHost())
		for i := range 60 {
			ld := minimizedBatch(t, run*100+i, 100)
			wantKeys = append(wantKeys, recordKeys(ld)...)
			sent += ld.LogRecordCount()
			require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
		}
		require.NoError(t, exp.Shutdown(context.Background()))
	}

	w, err := filewriter.New(filewriter.Options{Path: path})
	require.NoError(t, err)
	rotated, err := w.RotatedFiles()
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NotEmpty(t, rotated)
	for _, r := range rotated {
		assert.True(t, r.Compressed, "rotated files are gzipped once Shutdown returns")
		st, err := os.Stat(r.Path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	}

	var gotKeys []string
	for _, line := range readAllLines(t, path) {
		gotKeys = append(gotKeys, recordKeys(decodeLine(t, line))...)
	}
	assert.ElementsMatch(t, wantKeys, gotKeys)

	var rotations int64
	m, err := tt.GetMetric("otelcol_egress_file_rotations")
	require.NoError(t, err)
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		rotations += dp.Value
	}
	assert.Equal(t, int64(len(rotated)), rotations)

	// The standard tool reads what we compressed.
	if gz, err := exec.LookPath("gzip"); err == nil {
		out, err := exec.Command(gz, "-dc", rotated[0].Path).Output()
		require.NoError(t, err)
		first := strings.SplitN(string(out), "\n", 2)[0]
		assert.Positive(t, decodeLine(t, first).LogRecordCount())
	} else {
		t.Log("gzip not installed; compress/gzip read every rotated file above")
	}
}

func TestFileStartFailsOnUnusablePath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	// Its parent is a file: creation fails at start with a clear error.
	cfg := fileConfig(filepath.Join(blocker, "sub", "events.jsonl"))
	exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
	require.NoError(t, err)
	err = exp.Start(context.Background(), componenttest.NewNopHost())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "create directory")
	require.NoError(t, exp.Shutdown(context.Background()))
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// The background loop rotates an idle file that aged out and applies
// retention, including to files an earlier run left behind.
func TestFileLoopAgeRotationAndRetention(t *testing.T) {
	clk := &testClock{t: baseTime}
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	// Left by an earlier run: one rotated 40 days ago, one 2 days ago.
	old := filepath.Join(dir, "events-"+baseTime.Add(-40*24*time.Hour).UTC().Format("20060102T150405.000000000Z")+".jsonl")
	recent := filepath.Join(dir, "events-"+baseTime.Add(-48*time.Hour).UTC().Format("20060102T150405.000000000Z")+".jsonl")
	require.NoError(t, os.WriteFile(old, []byte("{}\n"), 0o600))
	require.NoError(t, os.WriteFile(recent, []byte("{}\n"), 0o600))

	cfg := fileConfig(path)
	fc := cfg.File.Get()
	fc.Rotation.MaxAge = time.Hour
	fc.RetentionDays = 30
	fc.Compression = compressionGzip
	fc.FlushInterval = 5 * time.Millisecond
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	exp, err := newFactory(clk.Now).CreateLogs(context.Background(), metadatatest.NewSettings(tt), cfg)
	require.NoError(t, err)
	mustStart(t, exp, componenttest.NewNopHost())
	t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })

	require.Eventually(t, func() bool { _, err := os.Stat(old); return os.IsNotExist(err) }, 30*time.Second, 5*time.Millisecond,
		"retention at start deletes the 40-day-old file")
	require.Eventually(t, func() bool { _, err := os.Stat(recent + ".gz"); return err == nil }, 30*time.Second, 5*time.Millisecond,
		"compression at start finishes the earlier run's work")

	require.NoError(t, exp.ConsumeLogs(context.Background(), minimizedBatch(t, 1, 10)))
	require.Eventually(t, func() bool { st, err := os.Stat(path); return err == nil && st.Size() > 0 }, 30*time.Second, 5*time.Millisecond)
	clk.Advance(time.Hour)
	// No further write: the loop rotates the idle, aged file.
	require.Eventually(t, func() bool {
		st, err := os.Stat(path)
		return err == nil && st.Size() == 0
	}, 30*time.Second, 5*time.Millisecond, "the aged active file is rotated without a write")
	require.NoError(t, exp.Shutdown(context.Background()))

	lines := readAllLines(t, path)
	require.Len(t, lines, 2, "the earlier run's line and the batch")
	assert.Equal(t, 10, decodeLine(t, lines[1]).LogRecordCount())
	m, err := tt.GetMetric("otelcol_egress_file_rotations")
	require.NoError(t, err)
	assert.Equal(t, int64(1), m.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
}
