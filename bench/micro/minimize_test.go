package micro

// The policy engine (policy.Seed().Apply, the minimize processor, the egress
// guard's Check) against contrib's redactionprocessor v0.165.1 configured as
// close to the seed policy as its config allows. Figures and method:
// docs/benchmarks.md, section "Minimize (policy engine)".

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
	"github.com/sbi-telemetry/otelcol-sbi/policy"
	"github.com/sbi-telemetry/otelcol-sbi/processor/minimizeprocessor"
)

// redactionConfig is contrib's redactionprocessor configured to approach the
// seed policy: only the keys the policy can keep (spelled out, as it has no
// prefix rule for setting.*), values masked when they look like an email, a
// card number or an IP address, url.full through its URL sanitizer, and no
// summary attributes. What it still cannot do is listed in the docs.
func redactionConfig() map[string]any {
	keys := []string{
		"service.name", "service.version",
		"ui.surface", "ui.control", "ui.action",
		"search.trigger", "search.marketplace", "url.full",
	}
	for _, n := range testworkload.SettingNames {
		keys = append(keys, "setting."+n)
	}
	return map[string]any{
		"allow_all_keys": false,
		"allowed_keys":   keys,
		"blocked_values": []string{
			`[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`, // email, also percent-encoded
			`\b(?:\d[ \-]?){12,18}\d\b`,                                      // card numbers
			`\b(?:\d{1,3}\.){3}\d{1,3}\b`,                                    // IPv4
			`\b(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{0,4}\b`,                 // IPv6 (approximate)
		},
		"url_sanitizer": map[string]any{
			"enabled":    true,
			"attributes": []string{"url.full"},
		},
		"summary": "silent",
	}
}

func newRedaction(tb testing.TB) processor.Logs {
	tb.Helper()
	f := redactionprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(tb, confmap.NewFromStringMap(redactionConfig()).Unmarshal(cfg))
	require.NoError(tb, cfg.(*redactionprocessor.Config).Validate())
	return startProcessor(tb, f, cfg)
}

func newMinimize(tb testing.TB) processor.Logs {
	tb.Helper()
	f := minimizeprocessor.NewFactory()
	return startProcessor(tb, f, f.CreateDefaultConfig())
}

func startProcessor(tb testing.TB, f processor.Factory, cfg any) processor.Logs {
	tb.Helper()
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
	require.NoError(tb, err)
	require.NoError(tb, p.Start(context.Background(), componenttest.NewNopHost()))
	tb.Cleanup(func() { require.NoError(tb, p.Shutdown(context.Background())) })
	return p
}

func consume(p processor.Logs) func(plog.Logs) {
	ctx := context.Background()
	return func(ld plog.Logs) {
		if err := p.ConsumeLogs(ctx, ld); err != nil {
			panic(err)
		}
	}
}

// batchTime is when the batches of this process are "received": the policy
// bounds event times around the clock, so batches are made relative to now
// (deterministic within a run, which is all a comparison needs).
var batchTime = time.Now()

func realistic() plog.Logs {
	return testworkload.RealisticBatch(testworkload.BatchSeed, batchTime).Logs
}

func kept() plog.Logs {
	return testworkload.ConformingBatch(testworkload.BatchSeed, policy.Seed().Version(), batchTime)
}

// applied is the realistic batch after Apply: what the egress guard sees.
func applied() plog.Logs {
	ld := realistic()
	policy.Seed().Apply(ld)
	return ld
}

// poolSize batches are copied from the template outside the timer; the timer
// stops once per poolSize iterations to refill, so toggling it costs nothing
// measurable while memory stays bounded whatever b.N is.
const poolSize = 128

// meter counts heap allocations and process CPU time over the timed chunks
// of a benchmark. CPU time (user+system, GC included) is the figure to compare
// on a shared machine: unlike wall time it does not grow when other processes
// take the cores.
type meter struct {
	ms             runtime.MemStats
	mallocs, cpuNs uint64
	startMallocs   uint64
	startCPU       int64
}

func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func (m *meter) start() {
	runtime.ReadMemStats(&m.ms)
	m.startMallocs = m.ms.Mallocs
	m.startCPU = processCPU()
}

func (m *meter) stop() {
	m.cpuNs += uint64(processCPU() - m.startCPU)
	runtime.ReadMemStats(&m.ms)
	m.mallocs += m.ms.Mallocs - m.startMallocs
}

// benchPooled runs fn on a fresh copy of tmpl per iteration and reports
// records/s, ns/record (wall), cpu-ns/record and allocs/record (heap
// allocations counted only while the timer runs, as -benchmem does for
// allocs/op).
func benchPooled(b *testing.B, tmpl plog.Logs, fn func(plog.Logs)) {
	records := tmpl.LogRecordCount()
	pool := make([]plog.Logs, poolSize)
	fill := func() {
		for i := range pool {
			pool[i] = plog.NewLogs()
			tmpl.CopyTo(pool[i])
		}
		// The copies' garbage is collected here, untimed: otherwise the
		// collector's background work on the fixture would be charged to the
		// code under test (its own garbage still is).
		runtime.GC()
	}
	var m meter
	fill()
	b.ReportAllocs()
	m.start()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % poolSize
		if j == 0 && i > 0 {
			b.StopTimer()
			m.stop()
			fill()
			m.start()
			b.StartTimer()
		}
		fn(pool[j])
	}
	b.StopTimer()
	m.stop()
	total := float64(b.N) * float64(records)
	b.ReportMetric(total/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/record")
	b.ReportMetric(float64(m.cpuNs)/total, "cpu-ns/record")
	b.ReportMetric(float64(m.mallocs)/total, "allocs/record")
}

// BenchmarkApply is the engine alone: policy.Seed().Apply on the realistic
// batch, and on the kept path (already minimized records, the steady state of
// a well-behaved client).
func BenchmarkApply(b *testing.B) {
	p := policy.Seed()
	apply := func(ld plog.Logs) { p.Apply(ld) }
	b.Run("batch=realistic", func(b *testing.B) { benchPooled(b, realistic(), apply) })
	b.Run("batch=kept", func(b *testing.B) { benchPooled(b, kept(), apply) })
}

// BenchmarkApplyProcessor is the same work through the minimize processor's
// factory and processorhelper (its telemetry included): the like-for-like
// comparison with BenchmarkRedaction, which can only be run that way.
func BenchmarkApplyProcessor(b *testing.B) {
	b.Run("batch=realistic", func(b *testing.B) { benchPooled(b, realistic(), consume(newMinimize(b))) })
	b.Run("batch=kept", func(b *testing.B) { benchPooled(b, kept(), consume(newMinimize(b))) })
}

// BenchmarkRedaction is contrib's redactionprocessor v0.165.1 on the same
// batches with the same method.
func BenchmarkRedaction(b *testing.B) {
	b.Run("batch=realistic", func(b *testing.B) { benchPooled(b, realistic(), consume(newRedaction(b))) })
	b.Run("batch=kept", func(b *testing.B) { benchPooled(b, kept(), consume(newRedaction(b))) })
}

// BenchmarkCheck is the egress guard: policy.Seed().Guard over batches that
// conform (nothing is dropped), the kept batch and the realistic batch after
// Apply.
func BenchmarkCheck(b *testing.B) {
	p := policy.Seed()
	guard := func(ld plog.Logs) {
		if gs := p.Guard(ld); gs.DroppedTotal() != 0 {
			panic("guard dropped a conforming record")
		}
	}
	b.Run("batch=kept", func(b *testing.B) { benchPooled(b, kept(), guard) })
	b.Run("batch=applied", func(b *testing.B) { benchPooled(b, applied(), guard) })
}

func marshal(t *testing.T, ld plog.Logs) string {
	t.Helper()
	out, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	require.NoError(t, err)
	return string(out)
}

// TestApplyOnRealisticBatch pins what the benchmark measures: Apply keeps the
// policy's events only, no planted string survives, and the result passes the
// guard.
func TestApplyOnRealisticBatch(t *testing.T) {
	b := testworkload.RealisticBatch(testworkload.BatchSeed, batchTime)
	p := policy.Seed()
	st := p.Apply(b.Logs)
	require.Equal(t, testworkload.BatchRecords, st.RecordsIn)
	counts := eventCounts(b.Logs)
	require.Equal(t, map[string]int{"ui.interaction": testworkload.BatchUIInteractions, "settings.state": testworkload.BatchSettingsStates, "search.started": testworkload.BatchSearches}, counts)
	require.Empty(t, survivingPlanted(b, b.Logs))
	require.Zero(t, recordsWithTraceContext(b.Logs))
	gs := p.Guard(b.Logs)
	require.Zero(t, gs.DroppedTotal())
	require.Equal(t, testworkload.BatchUIInteractions+testworkload.BatchSettingsStates+testworkload.BatchSearches, gs.Passed)
}

// TestKeptBatchIsMinimized: the kept-path batch is a fixed point of Apply.
func TestKeptBatchIsMinimized(t *testing.T) {
	p := policy.Seed()
	ld := kept()
	before := marshal(t, ld)
	st := p.Apply(ld)
	require.Equal(t, testworkload.BatchRecords, st.RecordsIn)
	require.Equal(t, [policy.NumRecordReasons]int{}, st.RecordsDropped)
	require.Equal(t, [policy.NumSanitizeKinds]int{}, st.ValuesSanitized)
	// Apply removes and re-stamps privacy.policy.version on each resource and
	// counts that as a dropped attribute; nothing else may be dropped.
	require.LessOrEqual(t, st.AttributesDropped[policy.AttrNotAllowed], testworkload.BatchResources)
	st.AttributesDropped[policy.AttrNotAllowed] = 0
	require.Equal(t, [policy.NumAttrReasons]int{}, st.AttributesDropped)
	require.Equal(t, before, marshal(t, ld))
	gs := p.Guard(ld)
	require.Equal(t, testworkload.BatchRecords, gs.Passed)
}

// TestRedactionComparison documents, as assertions, how far the redaction
// processor's output is from the policy's on the same batch.
func TestRedactionComparison(t *testing.T) {
	b := testworkload.RealisticBatch(testworkload.BatchSeed, batchTime)
	red := newRedaction(t)
	require.NoError(t, red.ConsumeLogs(context.Background(), b.Logs))

	// It drops no record: unknown events and records without an event name
	// still leave, and so does their trace context, scope and timestamps.
	require.Equal(t, testworkload.BatchRecords, b.Logs.LogRecordCount())
	require.Positive(t, recordsWithTraceContext(b.Logs))
	survivors := survivingPlanted(b, b.Logs)
	require.NotEmpty(t, survivors, "allowed keys are not constrained and bodies are kept")

	// The guard rejects every record it lets through.
	gs := policy.Seed().Guard(b.Logs)
	require.Zero(t, gs.Passed)

	// The kind of what survives, for the docs (never the values themselves).
	kinds := map[string]int{}
	for _, s := range survivors {
		kinds[plantedKind(s)]++
	}
	t.Logf("redaction: %d/%d records kept, %d/%d planted strings survive %v, %d records keep trace context",
		testworkload.BatchRecords, testworkload.BatchRecords, len(survivors), len(b.Planted), sortedCounts(kinds), recordsWithTraceContext(applyRedactionCopy(t)))
}

func applyRedactionCopy(t *testing.T) plog.Logs {
	ld := realistic()
	require.NoError(t, newRedaction(t).ConsumeLogs(context.Background(), ld))
	return ld
}

func plantedKind(s string) string {
	switch {
	case strings.HasPrefix(s, "Mozilla/"):
		return "user_agent"
	case strings.HasPrefix(s, "DESKTOP-"):
		return "host_name"
	case strings.HasPrefix(s, "Order #"):
		return "body_title"
	case strings.HasPrefix(s, "user="):
		return "severity_text"
	case strings.HasPrefix(s, "call_"):
		return "phone_in_control"
	case strings.HasPrefix(s, "file:"):
		return "file_url"
	case strings.Contains(s, "Baker Street"):
		return "address"
	case strings.HasPrefix(s, "sid="):
		return "cookie"
	case strings.HasPrefix(s, "buyer"):
		return "url_user"
	case strings.HasPrefix(s, "u-"):
		return "user_id"
	case strings.HasPrefix(s, "https://"):
		return "url_attr"
	case strings.Contains(s, "+"):
		return "search_query"
	case strings.Contains(s, "@") || strings.Contains(s, "%40"):
		return "email"
	case strings.Count(s, "-") == 4:
		return "uuid"
	case strings.Count(s, ".") == 3 || strings.Contains(s, ":"):
		return "ip"
	case strings.Count(s, " ") == 3:
		return "card"
	}
	return "token"
}

// sortedCounts prints m with sorted keys (fmt sorts map keys).
func sortedCounts(m map[string]int) string { return fmt.Sprint(m) }
