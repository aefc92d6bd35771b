package policy

import (
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// keptBatch is 100 records that all survive the seed policy: the kept path.
func keptBatch() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "sbi-extension")
	rl.Resource().Attributes().PutStr("service.version", "3.2.1")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range 100 {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(1764324000*time.Second + time.Duration(i)*time.Millisecond))
		a := lr.Attributes()
		switch i % 4 {
		case 0, 1:
			lr.SetEventName("ui.interaction")
			a.PutStr("ui.surface", "popup")
			a.PutStr("ui.control", fmt.Sprintf("control_%d", i%7))
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
