package baseline

// contrib's file exporter v0.161.0 on the fixture batches written by
// bench/micro (TestEgressFixture): realistic extension batches after the
// seed policy, the same input BenchmarkEgressFile writes. The loop and the
// reported metrics are the same as there.
//
//	cd bench/fileexporter-baseline && go test -run '^$' -bench . -benchmem

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

const fixture = "testdata/minimized-batches.jsonl.gz"

func readFixture(t testing.TB) ([]plog.Logs, []byte) {
	f, err := os.Open(fixture)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	var raw bytes.Buffer
	_, err = raw.ReadFrom(zr)
	require.NoError(t, err)
	var out []plog.Logs
	sc := bufio.NewScanner(bytes.NewReader(raw.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		req := plogotlp.NewExportRequest()
		require.NoError(t, req.UnmarshalJSON(sc.Bytes()))
		out = append(out, req.Logs())
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out, raw.Bytes()
}

// newFileExporter is contrib's default configuration (format json, rotation
// through timberjack at its 100 MiB default, no flush interval): the
// synchronous exporterhelper path, like egress with its queue off.
func newFileExporter(t testing.TB, path string) exporter.Logs {
	f := fileexporter.NewFactory()
	cfg := f.CreateDefaultConfig().(*fileexporter.Config)
	cfg.Path = path
	exp, err := f.CreateLogs(context.Background(), exportertest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	return exp
}

// TestSameFormat: contrib writes the fixture byte for byte, as egress does
// (bench/micro TestEgressFileOutputMatchesFixture).
func TestSameFormat(t *testing.T) {
	batches, raw := readFixture(t)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	exp := newFileExporter(t, path)
	for _, ld := range batches {
		require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	}
	require.NoError(t, exp.Shutdown(context.Background()))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(raw), string(data))
}

func BenchmarkEgressFile(b *testing.B) {
	batches, _ := readFixture(b)
	b.Run("exporter=contrib-file-v0.161.0", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "events.jsonl")
		exp := newFileExporter(b, path)
		b.Cleanup(func() { require.NoError(b, exp.Shutdown(context.Background())) })
		benchBatches(b, batches, path, func(ld plog.Logs) error { return exp.ConsumeLogs(context.Background(), ld) })
	})
}

// benchBatches is bench/micro's loop, verbatim in behaviour.
func benchBatches(b *testing.B, batches []plog.Logs, path string, consume func(plog.Logs) error) {
	var ms runtime.MemStats
	b.ReportAllocs()
	runtime.ReadMemStats(&ms)
	start := ms.Mallocs
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		ld := batches[i%len(batches)]
		if err := consume(ld); err != nil {
			b.Fatal(err)
		}
		n += ld.LogRecordCount()
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	written := dirBytes(b, filepath.Dir(path))
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(n)/secs, "records/s")
	b.ReportMetric(float64(written)/secs/1e6, "MB/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/record")
	b.ReportMetric(float64(ms.Mallocs-start)/float64(n), "allocs/record")
	b.ReportMetric(float64(written)/float64(n), "bytes/record")
}

func dirBytes(b *testing.B, dir string) int64 {
	entries, err := os.ReadDir(dir)
	require.NoError(b, err)
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		require.NoError(b, err)
		total += info.Size()
	}
	return total
}
