package policy

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// keptBatch is 100 records already in their minimized form under the seed
// policy (whole-second times just before receipt, vocabulary values): the
// kept path, what a second Apply or the egress guard sees.
func keptBatch() plog.Logs {
	now := time.Now().Truncate(time.Second)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "sbi-extension")
	rl.Resource().Attributes().PutStr("service.version", "3.2.1")
	rl.Resource().Attributes().PutStr(VersionAttribute, Seed().Version())
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range 100 {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Duration(i) * time.Second)))
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
		a := lr.Attributes()
		switch i % 4 {
		case 0, 1:
			lr.SetEventName("ui.interaction")
			a.PutStr("ui.surface", "popup")
			a.PutStr("ui.control", []string{"search_button", "upload_image", "open_options", "close_popup"}[i%4/2+i%7%2])
			a.PutStr("ui.action", "click")
		case 2:
			lr.SetEventName("settings.state")
			a.PutBool("setting.auto_search", true)
			a.PutBool("setting.show_page_button", false)
		case 3:
			lr.SetEventName("search.started")
			a.PutStr("search.trigger", "toolbar_button")
			a.PutStr("search.marketplace", "aliexpress")
			a.PutStr("url.full", "https://www.aliexpress.com/item/{id}.html")
		}
	}
	return ld
}

func benchApply(b *testing.B, p *Policy, gen func() plog.Logs) {
	const pool = 256
	batches := make([]plog.Logs, pool)
	n := gen().LogRecordCount()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%pool == 0 {
			b.StopTimer()
			for j := range batches {
				batches[j] = gen()
			}
			b.StartTimer()
		}
		p.Apply(batches[i%pool])
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkApplyKeptPath(b *testing.B) { benchApply(b, Seed(), keptBatch) }

// rawBatch is keptBatch as a client sends it: millisecond times, the
// receipt time set by the receiver, no stamp.
func rawBatch() plog.Logs {
	ld := keptBatch()
	ld.ResourceLogs().At(0).Resource().Attributes().Remove(VersionAttribute)
	for i, lr := range ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
		lr.SetTimestamp(lr.Timestamp() + pcommon.Timestamp(i)*pcommon.Timestamp(time.Millisecond))
	}
	return ld
}

func BenchmarkApplyRaw(b *testing.B) { benchApply(b, Seed(), rawBatch) }

func BenchmarkCheckKeptPath(b *testing.B) {
	ld := keptBatch()
	p := Seed()
	p.Apply(ld)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rl := ld.ResourceLogs().At(0)
		sl := rl.ScopeLogs().At(0)
		for k := 0; k < sl.LogRecords().Len(); k++ {
			if p.Check(rl.Resource(), sl.Scope(), sl.LogRecords().At(k)) != None {
				b.Fatal("kept batch does not conform")
			}
		}
	}
	b.ReportMetric(float64(b.N*ld.LogRecordCount())/b.Elapsed().Seconds(), "records/s")
}
