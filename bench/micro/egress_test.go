package micro

// The egress file destination against contrib's file exporter v0.161.0 on the
// same minimized batches. Contrib's file exporter cannot live in this module
// (it needs collector core v0.161.0), so its half of the comparison is the
// module ../fileexporter-baseline, and the batches travel between the two as
// a fixture written from the generators here: realistic extension batches
// (testworkload.RealisticBatch) after policy.Seed().Apply, i.e. what a correct
// pipeline hands the exporter.
//
//	cd bench/micro && go test -run '^$' -bench 'EgressFile' -benchmem
//	cd bench/fileexporter-baseline && go test -run '^$' -bench . -benchmem
//	EGRESS_FIXTURE_UPDATE=1 go test -run TestEgressFixture .   # after changing the generators

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter"
	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

const (
	egressFixture        = "../fileexporter-baseline/testdata/minimized-batches.jsonl.gz"
	egressFixtureBatches = 16
)

// minimizedEgressBatches are the benchmark's batches, from the generators.
func minimizedEgressBatches() []plog.Logs {
	p := policy.Seed()
	out := make([]plog.Logs, egressFixtureBatches)
	for i := range out {
		ld := testworkload.RealisticBatch(testworkload.BatchSeed+uint64(i), batchTime).Logs
		p.Apply(ld)
		out[i] = ld
	}
	return out
}

func encodeFixture(t testing.TB, batches []plog.Logs) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, ld := range batches {
		line, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
		require.NoError(t, err)
		_, _ = zw.Write(append(line, '\n'))
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func readFixture(t testing.TB) []plog.Logs {
	f, err := os.Open(egressFixture)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	var out []plog.Logs
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		req := plogotlp.NewExportRequest()
		require.NoError(t, req.UnmarshalJSON(sc.Bytes()))
		out = append(out, req.Logs())
	}
	require.NoError(t, sc.Err())
	toNow(out)
	return out
}

// toNow moves the fixture's times, keeping their spacing, so that its latest
// is now: the policy (the egress guard) bounds event times around the clock,
// and a fixture keeps the times of the day it was written.
func toNow(batches []plog.Logs) {
	var latest pcommon.Timestamp
	eachRecord(batches, func(lr plog.LogRecord) {
		latest = max(latest, lr.Timestamp(), lr.ObservedTimestamp())
	})
	shift := pcommon.Timestamp(time.Now().Truncate(time.Second).UnixNano()) - latest
	eachRecord(batches, func(lr plog.LogRecord) {
		lr.SetTimestamp(lr.Timestamp() + shift)
		lr.SetObservedTimestamp(lr.ObservedTimestamp() + shift)
	})
}

func eachRecord(batches []plog.Logs, fn func(plog.LogRecord)) {
	for _, ld := range batches {
		forEachRecord(ld, func(_ pcommon.Resource, _ pcommon.InstrumentationScope, lr plog.LogRecord) { fn(lr) })
	}
}

// withoutTimes is ld as JSON with every timestamp zeroed: the fixture's times
// are those of the day it was written.
func withoutTimes(t testing.TB, ld plog.Logs) string {
	c := plog.NewLogs()
	ld.CopyTo(c)
	eachRecord([]plog.Logs{c}, func(lr plog.LogRecord) {
		lr.SetTimestamp(0)
		lr.SetObservedTimestamp(0)
	})
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(c)
	require.NoError(t, err)
	return string(b)
}

// TestEgressFixture keeps the baseline module's fixture equal to what the
// generators produce today (EGRESS_FIXTURE_UPDATE=1 rewrites it).
func TestEgressFixture(t *testing.T) {
	want := minimizedEgressBatches()
	if os.Getenv("EGRESS_FIXTURE_UPDATE") != "" {
		require.NoError(t, os.WriteFile(egressFixture, encodeFixture(t, want), 0o644))
	}
	got := readFixture(t)
	require.Len(t, got, len(want))
	p := policy.Seed()
	for i := range want {
		require.JSONEq(t, withoutTimes(t, want[i]), withoutTimes(t, got[i]), "fixture batch %d is stale: EGRESS_FIXTURE_UPDATE=1", i)
		require.Zero(t, p.Guard(got[i]).DroppedTotal(), "fixture batches conform to the seed policy")
	}
}

// newEgressFile builds the egress exporter for the file destination with the
// queue and retry off, so ConsumeLogs returns once the line is written: the
// same synchronous exporterhelper path contrib's file exporter has by default.
func newEgressFile(b *testing.B, path string) exporter.Logs {
	f := egressexporter.NewFactory()
	cfg := f.CreateDefaultConfig().(*egressexporter.Config)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	fc := cfg.File.GetOrInsertDefault()
	fc.Path = path
	set := exportertest.NewNopSettings(f.Type())
	exp, err := f.CreateLogs(context.Background(), set, cfg)
	require.NoError(b, err)
	require.NoError(b, exp.Start(context.Background(), componenttest.NewNopHost()))
	b.Cleanup(func() { require.NoError(b, exp.Shutdown(context.Background())) })
	return exp
}

// benchBatches feeds the batches round robin (conforming batches pass the
// guard unchanged, so they are reused without copies) and reports records/s,
// MB/s of output, ns/record and allocs/record.
func benchBatches(b *testing.B, batches []plog.Logs, path string, consume func(plog.Logs) error) {
	records := 0
	for _, ld := range batches {
		records += ld.LogRecordCount()
	}
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

// BenchmarkEgressFile is the egress exporter's file destination (guard,
// OTLP-JSON marshal, one write per line, default 100 MiB rotation) on the
// fixture batches. ../fileexporter-baseline runs contrib's file exporter
// v0.161.0 on the same batches with the same loop.
func BenchmarkEgressFile(b *testing.B) {
	batches := readFixture(b)
	b.Run("exporter=egress", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "events.jsonl")
		exp := newEgressFile(b, path)
		benchBatches(b, batches, path, func(ld plog.Logs) error { return exp.ConsumeLogs(context.Background(), ld) })
	})
	// The guard alone on the same batches (nothing written): the part of the
	// egress figure that contrib's exporter does not do.
	b.Run("exporter=guard-only", func(b *testing.B) {
		p := policy.Seed()
		benchBatches(b, batches, filepath.Join(b.TempDir(), "none"), func(ld plog.Logs) error {
			if gs := p.Guard(ld); gs.DroppedTotal() != 0 {
				b.Fatal("the guard dropped a conforming record")
			}
			return nil
		})
	})
}

// TestEgressFileOutputMatchesFixture: what the benchmark writes is the fixture
// (its times moved to now), line for line (the same format contrib's file exporter writes; the baseline
// module checks its side).
func TestEgressFileOutputMatchesFixture(t *testing.T) {
	batches := readFixture(t)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	f := egressexporter.NewFactory()
	cfg := f.CreateDefaultConfig().(*egressexporter.Config)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.File.GetOrInsertDefault().Path = path
	exp, err := f.CreateLogs(context.Background(), exportertest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	for _, ld := range batches {
		require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	}
	require.NoError(t, exp.Shutdown(context.Background()))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	// The fixture's lines, with the times readFixture moved.
	zr, err := gzip.NewReader(bytes.NewReader(encodeFixture(t, batches)))
	require.NoError(t, err)
	var want bytes.Buffer
	_, err = want.ReadFrom(zr)
	require.NoError(t, err)
	require.Equal(t, want.String(), string(data))
}
