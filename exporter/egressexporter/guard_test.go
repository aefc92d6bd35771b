package egressexporter

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/metadata"
	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/metadatatest"
	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// sinkExporter stands in for the exporterhelper stage (queue and storage):
// whatever reaches it is what the queue would hold.
type sinkExporter struct {
	component.StartFunc
	component.ShutdownFunc
	consumertest.LogsSink
}

func newGuardedSink(t *testing.T) (*guarded, *sinkExporter, *componenttest.Telemetry, *observer.ObservedLogs) {
	t.Helper()
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	tb, err := metadata.NewTelemetryBuilder(tt.NewTelemetrySettings())
	require.NoError(t, err)
	core, logs := observer.New(zapcore.InfoLevel)
	sink := &sinkExporter{}
	return newGuarded(sink, policy.Seed(), zap.New(core), tb), sink, tt, logs
}

func droppedPoint(reason policy.Violation, n int) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{
		Attributes: attribute.NewSet(attribute.String("reason", reason.String())),
		Value:      int64(n),
	}
}

func TestGuardDropsUnminimizedInput(t *testing.T) {
	g, sink, tt, logs := newGuardedSink(t)
	require.NoError(t, g.ConsumeLogs(context.Background(), rawBatch(0, 12)))
	assert.Zero(t, sink.LogRecordCount(), "nothing unclean reaches the queue")
	assert.Empty(t, sink.AllLogs(), "an emptied batch is not forwarded at all")

	// Raw input lacks the policy stamp: the first violation found.
	metadatatest.AssertEqualEgressRecordsDropped(t, tt,
		[]metricdata.DataPoint[int64]{droppedPoint(policy.ViolationPolicy, 12)},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())

	require.Equal(t, 1, logs.Len())
	entry := logs.All()[0]
	assert.Equal(t, zapcore.WarnLevel, entry.Level)
	fields := entry.ContextMap()
	assert.Equal(t, "policy_version", fields["reason"])
	assert.EqualValues(t, 12, fields["dropped_records"])
	assertNoContent(t, logs)
}

func TestGuardPassesMinimizedInputUnchanged(t *testing.T) {
	g, sink, tt, logs := newGuardedSink(t)
	in := minimizedBatch(t, 1, 30)
	want := minimizedBatch(t, 1, 30)
	require.NoError(t, g.ConsumeLogs(context.Background(), in))
	require.Len(t, sink.AllLogs(), 1)
	assert.Equal(t, jsonLine(t, want), jsonLine(t, sink.AllLogs()[0]))
	assert.Zero(t, logs.Len())
	_, err := tt.GetMetric("otelcol_egress_records_dropped")
	assert.Error(t, err, "no drop recorded")
}

func TestGuardMixedBatchByReason(t *testing.T) {
	g, sink, tt, logs := newGuardedSink(t)

	ld := minimizedBatch(t, 2, 9)
	// Records that went through minimize and were then tampered with, one
	// per reason, alongside the clean ones.
	bad := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	bad.At(0).Body().SetStr(secretMarker)
	bad.At(1).Attributes().PutStr("user.email", secretMarker)
	bad.At(2).SetEventName("page.view")
	bad.At(3).SetTimestamp(bad.At(3).Timestamp() + 1)
	bad.At(4).SetSpanID([8]byte{1})
	// A second resource without the stamp.
	rawBatch(3, 2).ResourceLogs().At(0).CopyTo(ld.ResourceLogs().AppendEmpty())

	require.NoError(t, g.ConsumeLogs(context.Background(), ld))
	assert.Equal(t, 4, sink.LogRecordCount(), "the 4 untouched records pass")

	metadatatest.AssertEqualEgressRecordsDropped(t, tt,
		[]metricdata.DataPoint[int64]{
			droppedPoint(policy.ViolationPolicy, 2),
			droppedPoint(policy.ViolationEvent, 1),
			droppedPoint(policy.ViolationAttribute, 1),
			droppedPoint(policy.ViolationTimestamp, 1),
			// the body and the span id: fields the policy does not name
			droppedPoint(policy.ViolationUnnamedField, 2),
		},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	assert.Equal(t, 5, logs.Len(), "one warning per reason")
	assertNoContent(t, logs)
}

func assertNoContent(t *testing.T, logs *observer.ObservedLogs) {
	t.Helper()
	for _, e := range logs.All() {
		assert.NotContains(t, e.Message, secretMarker)
		for k, v := range e.ContextMap() {
			s, _ := v.(string)
			assert.NotContains(t, s, secretMarker, k)
			assert.NotContains(t, s, "203.0.113.7", k)
		}
	}
}

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestDropLoggerRateLimit(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	clk := &stepClock{t: baseTime}
	d := newDropLogger(zap.New(core), "v1", clk.now)
	var body, event [policy.NumViolations]int
	body[policy.ViolationUnnamedField] = 3
	event[policy.ViolationEvent] = 1

	d.record(body) // first of its reason: logged at once
	d.record(event)
	require.Equal(t, 2, logs.Len())
	for range 100 {
		clk.add(50 * time.Millisecond) // 5 s in total
		d.record(body)
	}
	require.Equal(t, 2, logs.Len(), "at most one warning per reason per window")
	clk.add(5 * time.Second)
	d.record(body)
	require.Equal(t, 3, logs.Len())
	assert.EqualValues(t, 303, logs.All()[2].ContextMap()["dropped_records"], "the warning carries the count of the whole window")

	d.record(body)
	d.flush()
	require.Equal(t, 4, logs.Len(), "shutdown reports what is pending")
	assert.EqualValues(t, 3, logs.All()[3].ContextMap()["dropped_records"])
	d.flush()
	assert.Equal(t, 4, logs.Len())
}

// A pipeline without minimize: the file stays empty.
func TestGuardEndToEndFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tt), fileConfig(path))
	require.NoError(t, err)
	assert.True(t, exp.Capabilities().MutatesData, "the guard edits batches in place")
	mustStart(t, exp, componenttest.NewNopHost())
	for i := range 5 {
		require.NoError(t, exp.ConsumeLogs(context.Background(), rawBatch(i, 10)))
	}
	require.NoError(t, exp.ConsumeLogs(context.Background(), minimizedBatch(t, 9, 10)))
	require.NoError(t, exp.Shutdown(context.Background()))

	lines := readLines(t, path)
	require.Len(t, lines, 1)
	assert.Equal(t, jsonLine(t, minimizedBatch(t, 9, 10)), jsonLine(t, decodeLine(t, lines[0])))
	metadatatest.AssertEqualEgressRecordsDropped(t, tt,
		[]metricdata.DataPoint[int64]{droppedPoint(policy.ViolationPolicy, 50)},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualEgressRecordsExported(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 10}},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// unsafe_disable_guard exports what it gets, and says so at start.
func TestUnsafeDisableGuard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	cfg := fileConfig(path)
	cfg.UnsafeDisableGuard = true
	core, logs := observer.New(zapcore.WarnLevel)
	set := metadatatest.NewSettings(componenttest.NewTelemetry())
	set.Logger = zap.New(core)
	exp, err := NewFactory().CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	require.Equal(t, 1, logs.FilterMessageSnippet("egress guard disabled").Len())
	mustStart(t, exp, componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeLogs(context.Background(), rawBatch(0, 10)))
	require.NoError(t, exp.Shutdown(context.Background()))
	lines := readLines(t, path)
	require.Len(t, lines, 1)
	assert.Equal(t, 10, decodeLine(t, lines[0]).LogRecordCount(), "unchecked records are written")
}

// The guard uses the configured policy, like minimize: a batch minimized
// under the seed policy does not carry another policy's version stamp.
func TestGuardUsesConfiguredPolicy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	cfg := fileConfig(path)
	cfg.Guard.Policy = map[string]any{
		"version": "other-1",
		"clauses": map[string]any{"ui": "§2"},
		"events": map[string]any{
			"ui.interaction": map[string]any{"clause": "ui"},
		},
	}
	exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
	require.NoError(t, err)
	mustStart(t, exp, componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeLogs(context.Background(), minimizedBatch(t, 1, 10)))
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Empty(t, readLines(t, path))
}

// metadata.yaml documents the `reason` values; they must be exactly the
// policy's violation names (None is never a drop reason).
func TestReasonEnumMatchesPolicy(t *testing.T) {
	cm, err := confmaptest.LoadConf("metadata.yaml")
	require.NoError(t, err)
	var enum []string
	for _, v := range cm.Get("attributes::reason::enum").([]any) {
		enum = append(enum, v.(string))
	}
	var names []string
	for i := 1; i < int(policy.NumViolations); i++ {
		names = append(names, policy.Violation(i).String())
	}
	assert.Equal(t, names, enum)
}
