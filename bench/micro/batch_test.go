package micro

// Helpers that look into the batches of testworkload: what the benchmarks
// check before they measure.

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// eventCounts counts a batch's records by event name ("" for none).
func eventCounts(ld plog.Logs) map[string]int {
	out := map[string]int{}
	forEachRecord(ld, func(_ pcommon.Resource, _ pcommon.InstrumentationScope, lr plog.LogRecord) {
		out[lr.EventName()]++
	})
	return out
}

func forEachRecord(ld plog.Logs, fn func(pcommon.Resource, pcommon.InstrumentationScope, plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			for k := 0; k < sl.LogRecords().Len(); k++ {
				fn(rl.Resource(), sl.Scope(), sl.LogRecords().At(k))
			}
		}
	}
}

// batchStrings returns every string a batch would export: keys and values of
// resource, scope and record attributes (recursively), scope name and
// version, event names, severity texts and bodies.
func batchStrings(ld plog.Logs) []string {
	var out []string
	var walk func(v pcommon.Value)
	walkMap := func(m pcommon.Map) {
		m.Range(func(k string, v pcommon.Value) bool {
			out = append(out, k)
			walk(v)
			return true
		})
	}
	walk = func(v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeMap:
			walkMap(v.Map())
		case pcommon.ValueTypeSlice:
			for i := 0; i < v.Slice().Len(); i++ {
				walk(v.Slice().At(i))
			}
		case pcommon.ValueTypeEmpty:
		default:
			out = append(out, v.AsString())
		}
	}
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		walkMap(rl.Resource().Attributes())
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			out = append(out, sl.Scope().Name(), sl.Scope().Version())
			walkMap(sl.Scope().Attributes())
			for k := 0; k < sl.LogRecords().Len(); k++ {
				lr := sl.LogRecords().At(k)
				out = append(out, lr.EventName(), lr.SeverityText())
				walkMap(lr.Attributes())
				walk(lr.Body())
			}
		}
	}
	return out
}

// survivingPlanted returns the planted strings still present in ld.
func survivingPlanted(b testworkload.Batch, ld plog.Logs) []string {
	all := strings.Join(batchStrings(ld), "\x00")
	var out []string
	for _, p := range b.Planted {
		if strings.Contains(all, p) {
			out = append(out, p)
		}
	}
	return out
}

// recordsWithTraceContext counts records still carrying a trace or span id.
func recordsWithTraceContext(ld plog.Logs) int {
	n := 0
	forEachRecord(ld, func(_ pcommon.Resource, _ pcommon.InstrumentationScope, lr plog.LogRecord) {
		if !lr.TraceID().IsEmpty() || !lr.SpanID().IsEmpty() {
			n++
		}
	})
	return n
}
