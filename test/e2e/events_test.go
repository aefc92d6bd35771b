package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"gopkg.in/yaml.v3"
)

// What the extension sends, with personal data planted in every place it could hide, and
// what the collector must write for it. Every planted string is unique, so that finding it
// anywhere in the output or in the collector's log is a leak.

// base is the event time of the first record; each record adds whole seconds plus a
// sub-second part the policy's 1 s granularity must remove.
var base = time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)

func at(sec int) pcommon.Timestamp {
	return pcommon.NewTimestampFromTime(base.Add(time.Duration(sec)*time.Second + 123456789*time.Nanosecond))
}

func sec(s int) uint64 { return uint64(base.Add(time.Duration(s) * time.Second).UnixNano()) }

// nowMarker marks an expected timestamp taken from a clock while the test ran (the
// collector's on receipt, the JS SDK's on emit), unknown in advance: normalize() checks such
// a value lies in the test's time window and is truncated to whole seconds, then replaces it
// by this marker.
const nowMarker = 1

var planted = []string{
	// resource
	"PlantedBrowser", "PlantedOS", "203.0.113.77", "uid-planted-7f3a", "forged-policy-0",
	"planted-host-01", "planted.example/schema", "planted-res-json",
	// scope
	"planted.scope.name", "9.9.9-planted", "planted-scope-attr", "scope.secret",
	// records: body, trace context, severity text, unknown and privacy.* attributes
	"planted body text", "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", "PLANTED-SEV",
	"uid-planted-1111", "planted-consent", "privacy.consent", "planted-extra", "ui.extra",
	"planted-noname-body", "planted-pageview", "planted.unknown.event", "planted-tab",
	// wrong types and values the constraints reject
	"bob.planted@example.com", "setting.Bad-Key", "4242424242", "planted-map-val",
	"planted-list-val", "4111111111111111", "background_prefetch", "planted-auto",
	"not a version planted", "carol.planted@example.com", "planted_surface",
	// URLs: user info, query, fragment, ID-like path segments, IP hosts
	"planteduser", "plantedpass", "plantedspm", "plantedquery", "plantedfrag",
	"1005006123456789", "192.0.2.44", "alice%40example.com", "alice@example.com", "plantedx",
	"planted-img", "b0b5e1a7-4d1f-4c8e-9a3e-7d2f1c0e9b11",
	// malformed requests
	"planted-malformed",
}

// policyVersion is the version of config/policy.yaml, which minimize stamps on every resource.
func policyVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "config", "policy.yaml"))
	require.NoError(t, err)
	var p struct {
		Version string `yaml:"version"`
	}
	require.NoError(t, yaml.Unmarshal(data, &p))
	require.NotEmpty(t, p.Version)
	return p.Version
}

func putAttrs(m pcommon.Map, kv map[string]any) {
	for k, v := range kv {
		if err := m.PutEmpty(k).FromRaw(v); err != nil {
			panic(err)
		}
	}
}

func addRecord(sl plog.ScopeLogs, event string, ts int, kv map[string]any) plog.LogRecord {
	lr := sl.LogRecords().AppendEmpty()
	lr.SetEventName(event)
	lr.SetTimestamp(at(ts))
	lr.SetObservedTimestamp(at(ts) + 500_000_000)
	putAttrs(lr.Attributes(), kv)
	return lr
}

// otlpProtoRequest is what an SDK that leaks everything would send over /v1/logs.
func otlpProtoRequest() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.SetSchemaUrl("https://planted.example/schema/1.0")
	putAttrs(rl.Resource().Attributes(), map[string]any{
		"service.name":           "sbi-extension",
		"service.version":        "3.2.1",
		"browser.name":           "PlantedBrowser",
		"user_agent.original":    "Mozilla/5.0 (X11; PlantedOS)",
		"client.address":         "203.0.113.77",
		"enduser.id":             "uid-planted-7f3a",
		"privacy.policy.version": "forged-policy-0",
		"host.name":              "planted-host-01",
	})
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("planted.scope.name")
	sl.Scope().SetVersion("9.9.9-planted")
	putAttrs(sl.Scope().Attributes(), map[string]any{"scope.secret": "planted-scope-attr"})

	r1 := addRecord(sl, "ui.interaction", 0, map[string]any{
		"ui.surface": "popup", "ui.control": "search_button", "ui.action": "click",
		"user.id": "uid-planted-1111", "privacy.consent": "planted-consent", "ui.extra": "planted-extra",
	})
	r1.Body().SetStr("planted body text")
	r1.SetTraceID(pcommon.TraceID{0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c})
	r1.SetSpanID(pcommon.SpanID{0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74})
	r1.SetFlags(plog.DefaultLogRecordFlags.WithIsSampled(true))
	r1.SetSeverityNumber(plog.SeverityNumberInfo)
	r1.SetSeverityText("PLANTED-SEV")

	addRecord(sl, "settings.state", 1, map[string]any{
		"setting.dark_mode": true, "setting.auto_search": false,
		"setting.email": "bob.planted@example.com", "setting.Bad-Key": true, "setting.count": 5,
	})
	addRecord(sl, "search.started", 2, map[string]any{
		"search.trigger": "toolbar_button", "search.marketplace": "aliexpress",
		"url.full": "https://planteduser:plantedpass@www.AliExpress.com:443/item/1005006123456789.html?spm=plantedspm&q=plantedquery#plantedfrag",
	})
	addRecord(sl, "page.view", 3, map[string]any{"url.full": "https://planted-pageview.example/x"})
	// An older SDK: no EventName, the name in an event.name attribute.
	addRecord(sl, "", 4, map[string]any{
		"event.name": "ui.interaction", "ui.surface": "toolbar", "ui.control": "open_options", "ui.action": "open",
	})
	noName := addRecord(sl, "", 5, nil)
	noName.Body().SetStr("planted-noname-body")
	// Right keys, wrong types: dropped, never converted.
	addRecord(sl, "ui.interaction", 6, map[string]any{
		"ui.surface": int64(4242424242), "ui.control": map[string]any{"k": "planted-map-val"},
		"ui.action": []any{"planted-list-val"},
	})
	// A card number inside a value that matches the control-name pattern.
	addRecord(sl, "ui.interaction", 7, map[string]any{
		"ui.surface": "popup", "ui.control": "card_4111111111111111", "ui.action": "click",
	})
	// Not a user action: no URL may leave.
	addRecord(sl, "search.started", 8, map[string]any{
		"search.trigger": "background_prefetch", "search.marketplace": "1688",
		"url.full": "https://planted-auto.example/item/1",
	})
	return ld
}

func expectedProto(version string) cLine {
	return cLine{{
		Attrs: map[string]any{"service.name": "sbi-extension", "service.version": "3.2.1", "privacy.policy.version": version},
		Scopes: []cScope{{Records: []cRecord{
			{Event: "ui.interaction", Time: sec(0), Observed: nowMarker, SevNum: int32(plog.SeverityNumberInfo),
				Attrs: map[string]any{"ui.surface": "popup", "ui.control": "search_button", "ui.action": "click"}},
			{Event: "settings.state", Time: sec(1), Observed: nowMarker,
				Attrs: map[string]any{"setting.dark_mode": true, "setting.auto_search": false}},
			{Event: "search.started", Time: sec(2), Observed: nowMarker,
				Attrs: map[string]any{"search.trigger": "toolbar_button", "search.marketplace": "aliexpress", "url.full": "https://www.aliexpress.com/item/{id}.html"}},
			{Event: "ui.interaction", Time: sec(4), Observed: nowMarker,
				Attrs: map[string]any{"ui.surface": "toolbar", "ui.control": "open_options", "ui.action": "open"}},
			{Event: "ui.interaction", Time: sec(6), Observed: nowMarker, Attrs: map[string]any{}},
			{Event: "ui.interaction", Time: sec(7), Observed: nowMarker,
				Attrs: map[string]any{"ui.surface": "popup", "ui.action": "click"}},
			{Event: "search.started", Time: sec(8), Observed: nowMarker,
				Attrs: map[string]any{"search.marketplace": "1688"}},
		}}},
	}}
}

// otlpJSONRequest has two resources, one of them with a service.version that is not a version.
func otlpJSONRequest() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	putAttrs(rl.Resource().Attributes(), map[string]any{
		"service.name": "sbi-extension", "service.version": "3.2.2", "os.name": "PlantedOS-json",
	})
	sl := rl.ScopeLogs().AppendEmpty()
	addRecord(sl, "ui.interaction", 10, map[string]any{
		"ui.surface": "context_menu", "ui.control": "context_search_alibaba", "ui.action": "select",
	})
	addRecord(sl, "search.started", 11, map[string]any{
		"search.trigger": "context_menu", "search.marketplace": "alibaba",
		"url.full": "http://192.0.2.44:8080/u/alice%40example.com/p/a?x=plantedx",
	})
	addRecord(sl, "planted.unknown.event", 12, map[string]any{"ui.surface": "popup"})
	addRecord(sl, "settings.state", 13, map[string]any{"setting.open_in_new_tab": true})

	rl2 := ld.ResourceLogs().AppendEmpty()
	putAttrs(rl2.Resource().Attributes(), map[string]any{
		"service.name": "sbi-extension", "service.version": "not a version planted", "deployment.id": "planted-res-json",
	})
	addRecord(rl2.ScopeLogs().AppendEmpty(), "search.started", 14, map[string]any{
		"search.trigger": "popup_button", "search.marketplace": "aliexpress",
		"url.full": "https://www.aliexpress.us/w/wholesale-b0b5e1a7-4d1f-4c8e-9a3e-7d2f1c0e9b11.html",
	})
	return ld
}

func expectedJSON(version string) cLine {
	return cLine{
		{
			Attrs: map[string]any{"service.name": "sbi-extension", "service.version": "3.2.2", "privacy.policy.version": version},
			Scopes: []cScope{{Records: []cRecord{
				{Event: "ui.interaction", Time: sec(10), Observed: nowMarker,
					Attrs: map[string]any{"ui.surface": "context_menu", "ui.control": "context_search_alibaba", "ui.action": "select"}},
				{Event: "search.started", Time: sec(11), Observed: nowMarker,
					Attrs: map[string]any{"search.trigger": "context_menu", "search.marketplace": "alibaba", "url.full": "http://{ip}:8080/u/{seg}/p/{seg}"}},
				{Event: "settings.state", Time: sec(13), Observed: nowMarker,
					Attrs: map[string]any{"setting.open_in_new_tab": true}},
			}}},
		},
		{
			Attrs: map[string]any{"service.name": "sbi-extension", "privacy.policy.version": version},
			Scopes: []cScope{{Records: []cRecord{
				{Event: "search.started", Time: sec(14), Observed: nowMarker,
					Attrs: map[string]any{"search.trigger": "popup_button", "search.marketplace": "aliexpress", "url.full": "https://www.aliexpress.us/w/wholesale-{query}.html"}},
			}}},
		},
	}
}

// The compact endpoint: what an extension without the OTel SDK sends with fetch (times
// relative to base, within the policy's bounds around the time of receipt).
var compactRequest = onBase(`{"service_version":"3.2.1","events":[
 {"name":"ui.interaction","time":"2026-11-28T10:00:20.250Z","attributes":{"ui.surface":"popup","ui.control":"search_button","ui.action":"click"}},
 {"name":"settings.state","time":"2026-11-28T10:00:21.999Z","attributes":{"setting.dark_mode":false,"setting.show_page_button":true,"setting.email":"carol.planted@example.com"}},
 {"name":"search.started","time":"2026-11-28T10:00:22Z","attributes":{"search.trigger":"page_button","search.marketplace":"1688","url.full":"https://detail.1688.com/offer/1005006123456789.html?plantedquery=1#plantedfrag"}},
 {"name":"tab.visited","time":"2026-11-28T10:00:23Z","attributes":{"url.full":"https://planted-tab.example/"}},
 {"name":"ui.interaction","time":"2026-11-28T10:00:24Z","attributes":{"ui.surface":"planted_surface","ui.action":"toggle","user.email":"carol.planted@example.com"}}
]}`)

// The compact endpoint as navigator.sendBeacon posts it: text/plain, no preflight.
var beaconRequest = onBase(`{"service_version":"3.2.1","events":[
 {"name":"search.started","time":1795860030500,"attributes":{"search.trigger":"keyboard_shortcut","search.marketplace":"aliexpress","url.full":"https://s.1688.com/youyuan/index.htm?tab=imageSearch&imageAddress=planted-img"}}
]}`)

// onBase moves the times written as 2026-11-28T10:00:SS (RFC 3339) or 1795860000000+ms
// (Unix milliseconds) in a request template onto base.
func onBase(tmpl string) string {
	s := strings.ReplaceAll(tmpl, "2026-11-28T10:00:", base.Format("2006-01-02T15:04:"))
	return strings.ReplaceAll(s, `"time":17958600`, fmt.Sprintf(`"time":%d`, base.UnixMilli()/100000))
}

func expectedCompact(version string) []cLine {
	res := map[string]any{"service.name": "sbi-extension", "service.version": "3.2.1", "privacy.policy.version": version}
	return []cLine{
		{{Attrs: res, Scopes: []cScope{{Records: []cRecord{
			{Event: "ui.interaction", Time: sec(20), Observed: nowMarker,
				Attrs: map[string]any{"ui.surface": "popup", "ui.control": "search_button", "ui.action": "click"}},
			{Event: "settings.state", Time: sec(21), Observed: nowMarker,
				Attrs: map[string]any{"setting.dark_mode": false, "setting.show_page_button": true}},
			{Event: "search.started", Time: sec(22), Observed: nowMarker,
				Attrs: map[string]any{"search.trigger": "page_button", "search.marketplace": "1688", "url.full": "https://detail.1688.com/offer/{id}.html"}},
			{Event: "ui.interaction", Time: sec(24), Observed: nowMarker,
				Attrs: map[string]any{"ui.action": "toggle"}},
		}}}}},
		{{Attrs: res, Scopes: []cScope{{Records: []cRecord{
			{Event: "search.started", Time: sec(30), Observed: nowMarker,
				Attrs: map[string]any{"search.trigger": "keyboard_shortcut", "search.marketplace": "aliexpress", "url.full": "https://s.1688.com/youyuan/index.htm"}},
		}}}}},
	}
}

// post sends body and returns the status code and response body.
func post(t *testing.T, url, contentType string, body []byte, gzipped bool) (int, string) {
	t.Helper()
	if gzipped {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, err := zw.Write(body)
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		body = buf.Bytes()
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	if gzipped {
		req.Header.Set("Content-Encoding", "gzip")
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(rb)
}

func protoBody(t *testing.T, ld plog.Logs) []byte {
	t.Helper()
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	require.NoError(t, err)
	return b
}

func jsonBody(t *testing.T, ld plog.Logs) []byte {
	t.Helper()
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
	require.NoError(t, err)
	return b
}
