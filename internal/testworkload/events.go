package testworkload

import (
	"encoding/json"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// Events returns n events in the mix an extension sends, as compact events
// (the JSON objects of /v1/events): per five, three UI interactions, one
// settings snapshot and one search with a page URL. They conform to the
// seed policy except for the URL, which minimization generalizes.
func Events(n int) []map[string]any {
	base := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC).UnixMilli()
	events := make([]map[string]any, 0, n)
	for i := 0; i < n; i++ {
		var ev map[string]any
		switch i % 5 {
		case 0, 1, 2:
			ev = map[string]any{"name": "ui.interaction", "attributes": map[string]any{
				"ui.surface": "popup", "ui.control": fmt.Sprintf("control_%d", i%7), "ui.action": "click"}}
		case 3:
			ev = map[string]any{"name": "settings.state", "attributes": map[string]any{
				"setting.open_in_new_tab": true, "setting.show_page_button": false, "setting.context_menu": true,
				"setting.marketplace_alibaba": true, "setting.marketplace_aliexpress": true, "setting.marketplace_1688": false}}
		default:
			ev = map[string]any{"name": "search.started", "attributes": map[string]any{
				"search.trigger": "context_menu", "search.marketplace": "aliexpress",
				"url.full": fmt.Sprintf("https://www.example.com/item/10050061234567%02d.html?spm=a2g0o.home.0.0&pdp_npi=4", i)}}
		}
		ev["time"] = base + int64(i)*250 // Unix milliseconds
		events = append(events, ev)
	}
	return events
}

// Payloads returns the request body of Events(n) in each encoding the
// receiver takes: compact JSON (/v1/events), OTLP JSON and OTLP protobuf
// (/v1/logs). The OTLP records carry what the compact ones do, with the
// observed time an SDK sets.
func Payloads(n int) (compact, otlpJSON, otlpProto []byte, err error) {
	events := Events(n)
	compact, err = json.Marshal(map[string]any{"service_version": "3.2.1", "events": events})
	if err != nil {
		return nil, nil, nil, err
	}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "sbi-extension")
	rl.Resource().Attributes().PutStr("service.version", "3.2.1")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("sbi-extension-ui")
	for _, ev := range events {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetEventName(ev["name"].(string))
		lr.SetTimestamp(pcommon.Timestamp(ev["time"].(int64) * int64(time.Millisecond)))
		lr.SetObservedTimestamp(lr.Timestamp())
		if err := lr.Attributes().FromRaw(ev["attributes"].(map[string]any)); err != nil {
			return nil, nil, nil, err
		}
	}
	req := plogotlp.NewExportRequestFromLogs(ld)
	if otlpJSON, err = req.MarshalJSON(); err != nil {
		return nil, nil, nil, err
	}
	if otlpProto, err = req.MarshalProto(); err != nil {
		return nil, nil, nil, err
	}
	return compact, otlpJSON, otlpProto, nil
}
