package policy

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/config"
)

// testNow is the clock of testSeed: shortly after oneRecord's times.
var testNow = time.Unix(1764324005, 0)

// testSeed is the seed policy on a fixed clock (event times are bounded
// relative to the time of receipt).
func testSeed(t testing.TB) *Policy {
	t.Helper()
	p, err := parse(config.SeedPolicy, "seed", os.Getenv, func() time.Time { return testNow })
	require.NoError(t, err)
	return p
}

// oneRecord builds logs with one record of the event, attributes set by fill.
func oneRecord(event string, fill func(pcommon.Map)) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "sbi-extension")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName(event)
	lr.SetTimestamp(pcommon.Timestamp(1764324000 * time.Second))
	lr.SetObservedTimestamp(pcommon.Timestamp(1764324001 * time.Second))
	if fill != nil {
		fill(lr.Attributes())
	}
	return ld
}

func firstRecord(ld plog.Logs) (plog.LogRecord, bool) {
	if ld.LogRecordCount() == 0 {
		return plog.LogRecord{}, false
	}
	return ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0), true
}

// TestAttributeRules is the rule table of the seed policy: one attribute in,
// exactly what comes out.
func TestAttributeRules(t *testing.T) {
	userTrigger := func(m pcommon.Map) { m.PutStr("search.trigger", "toolbar_button") }
	cases := []struct {
		name   string
		event  string
		fill   func(pcommon.Map)
		key    string
		want   any // nil: attribute dropped
		reason AttrReason
	}{
		{"surface in enum", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.surface", "popup") }, "ui.surface", "popup", 0},
		{"surface not in enum", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.surface", "sidebar") }, "ui.surface", nil, AttrVocabulary},
		{"surface wrong type", "ui.interaction", func(m pcommon.Map) { m.PutInt("ui.surface", 1) }, "ui.surface", nil, AttrWrongType},
		{"control in vocabulary", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.control", "search_button") }, "ui.control", "search_button", 0},
		{"control 1688", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.control", "context_search_1688") }, "ui.control", "context_search_1688", 0},
		{"control name-shaped but unknown", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.control", "menu.item-2") }, "ui.control", nil, AttrVocabulary},
		{"control carrying a host", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.control", "mail.example.com") }, "ui.control", nil, AttrVocabulary},
		{"control carrying search words", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.control", "search_red_shoes") }, "ui.control", nil, AttrVocabulary},
		{"control uppercase", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.control", "Search_Button") }, "ui.control", nil, AttrVocabulary},
		{"control phone number", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.control", "call_4155550123") }, "ui.control", nil, AttrVocabulary},
		{"control as map", "ui.interaction", func(m pcommon.Map) { m.PutEmptyMap("ui.control").PutStr("a", "b") }, "ui.control", nil, AttrWrongType},
		{"action in enum", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.action", "toggle") }, "ui.action", "toggle", 0},
		{"action as slice", "ui.interaction", func(m pcommon.Map) { m.PutEmptySlice("ui.action").AppendEmpty().SetStr("click") }, "ui.action", nil, AttrWrongType},
		{"unknown attribute", "ui.interaction", func(m pcommon.Map) { m.PutStr("user.email", "a@b.com") }, "user.email", nil, AttrNotAllowed},
		{"inbound privacy attribute", "ui.interaction", func(m pcommon.Map) { m.PutStr("privacy.policy.version", "forged") }, "privacy.policy.version", nil, AttrNotAllowed},
		{"inbound privacy attribute with the version", "ui.interaction", func(m pcommon.Map) { m.PutStr("privacy.policy.version", "2026.12.02-2") }, "privacy.policy.version", nil, AttrNotAllowed},
		{"url on ui event", "ui.interaction", func(m pcommon.Map) { m.PutStr("url.full", "https://example.com/") }, "url.full", nil, AttrNotAllowed},
		{"setting bool", "settings.state", func(m pcommon.Map) { m.PutBool("setting.auto_search", true) }, "setting.auto_search", true, 0},
		{"setting false", "settings.state", func(m pcommon.Map) { m.PutBool("setting.dark_mode", false) }, "setting.dark_mode", false, 0},
		{"setting not in vocabulary", "settings.state", func(m pcommon.Map) { m.PutBool("setting.show_button", false) }, "setting.show_button", nil, AttrVocabulary},
		{"setting name carrying a host", "settings.state", func(m pcommon.Map) { m.PutBool("setting.mail_example_com", true) }, "setting.mail_example_com", nil, AttrVocabulary},
		{"setting as string", "settings.state", func(m pcommon.Map) { m.PutStr("setting.auto_search", "true") }, "setting.auto_search", nil, AttrWrongType},
		{"setting as int", "settings.state", func(m pcommon.Map) { m.PutInt("setting.auto_search", 1) }, "setting.auto_search", nil, AttrWrongType},
		{"setting bad name", "settings.state", func(m pcommon.Map) { m.PutBool("setting.Auto-Search", true) }, "setting.Auto-Search", nil, AttrNotAllowed},
		{"setting empty name", "settings.state", func(m pcommon.Map) { m.PutBool("setting.", true) }, "setting.", nil, AttrNotAllowed},
		{"setting prefix only on settings event", "ui.interaction", func(m pcommon.Map) { m.PutBool("setting.auto_search", true) }, "setting.auto_search", nil, AttrNotAllowed},
		{"trigger in enum", "search.started", func(m pcommon.Map) { m.PutStr("search.trigger", "context_menu") }, "search.trigger", "context_menu", 0},
		{"trigger not user action", "search.started", func(m pcommon.Map) { m.PutStr("search.trigger", "auto") }, "search.trigger", nil, AttrVocabulary},
		{"marketplace 1688", "search.started", func(m pcommon.Map) { m.PutStr("search.marketplace", "1688") }, "search.marketplace", "1688", 0},
		{"marketplace as int", "search.started", func(m pcommon.Map) { m.PutInt("search.marketplace", 1688) }, "search.marketplace", nil, AttrWrongType},
		{"url sanitized with user trigger", "search.started", func(m pcommon.Map) {
			userTrigger(m)
			m.PutStr("url.full", "https://www.aliexpress.com/item/1005006123456789.html?spm=x#y")
		}, "url.full", "https://www.aliexpress.com/item/{id}.html", 0},
		{"url without trigger", "search.started", func(m pcommon.Map) { m.PutStr("url.full", "https://example.com/") }, "url.full", nil, AttrCondition},
		{"url with non-user trigger", "search.started", func(m pcommon.Map) {
			m.PutStr("search.trigger", "auto")
			m.PutStr("url.full", "https://example.com/")
		}, "url.full", nil, AttrCondition},
		{"url non-http", "search.started", func(m pcommon.Map) {
			userTrigger(m)
			m.PutStr("url.full", "file:///etc/passwd")
		}, "url.full", nil, AttrInvalidURL},
		{"url wrong type", "search.started", func(m pcommon.Map) {
			userTrigger(m)
			m.PutInt("url.full", 7)
		}, "url.full", nil, AttrWrongType},
		{"other url attribute", "search.started", func(m pcommon.Map) { m.PutStr("url.path", "/item/1") }, "url.path", nil, AttrNotAllowed},
	}
	p := testSeed(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ld := oneRecord(tc.event, tc.fill)
			st := p.Apply(ld)
			lr, ok := firstRecord(ld)
			require.True(t, ok, "the record itself must be kept")
			v, ok := lr.Attributes().Get(tc.key)
			if tc.want == nil {
				assert.False(t, ok, "attribute %q must be dropped", tc.key)
				assert.Equal(t, 1, st.AttributesDropped[tc.reason], "dropped for reason %s", tc.reason)
			} else {
				require.True(t, ok, "attribute %q must be kept", tc.key)
				assert.Equal(t, tc.want, v.AsRaw())
			}
			assert.Equal(t, None, p.Check(ld.ResourceLogs().At(0).Resource(), ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope(), lr))
		})
	}
}

func TestRecordRules(t *testing.T) {
	p := testSeed(t)
	cases := []struct {
		name   string
		event  string
		kept   bool
		reason RecordReason
	}{
		{"ui.interaction", "ui.interaction", true, 0},
		{"settings.state", "settings.state", true, 0},
		{"search.started", "search.started", true, 0},
		{"unknown event", "page.viewed", false, RecordUnknownEvent},
		{"case matters", "UI.Interaction", false, RecordUnknownEvent},
		{"no event name", "", false, RecordMissingEventName},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ld := oneRecord(tc.event, nil)
			st := p.Apply(ld)
			assert.Equal(t, 1, st.RecordsIn)
			_, ok := firstRecord(ld)
			assert.Equal(t, tc.kept, ok)
			if !tc.kept {
				assert.Equal(t, 1, st.RecordsDropped[tc.reason])
				assert.Equal(t, 0, ld.ResourceLogs().Len(), "emptied resources are pruned")
			}
		})
	}
}

// TestApplyClearsEverythingElse: resource, scope, body, trace context,
// severity and timestamps are reduced exactly as DESIGN.md says.
func TestApplyClearsEverythingElse(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.SetSchemaUrl("https://schema.example/PLANT")
	res := rl.Resource()
	res.Attributes().PutStr("service.name", "sbi-extension")
	res.Attributes().PutStr("service.version", "3.2.1")
	res.Attributes().PutStr("user_agent.original", "Mozilla/5.0 PLANT")
	res.Attributes().PutStr("client.address", "203.0.113.9")
	res.Attributes().PutStr("privacy.policy.version", "forged")
	res.SetDroppedAttributesCount(3)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.SetSchemaUrl("x")
	sl.Scope().SetName("PLANT-scope")
	sl.Scope().SetVersion("1.0")
	sl.Scope().Attributes().PutStr("k", "PLANT")
	lr := sl.LogRecords().AppendEmpty()
	lr.SetEventName("ui.interaction")
	lr.Body().SetStr("PLANT body")
	lr.SetTraceID(pcommon.TraceID{1, 2, 3})
	lr.SetSpanID(pcommon.SpanID{4, 5})
	lr.SetFlags(1)
	lr.SetSeverityText("PLANT")
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.SetTimestamp(pcommon.Timestamp(1764324000*time.Second + 123456789))
	lr.SetObservedTimestamp(pcommon.Timestamp(1764324001*time.Second + 999999999))
	lr.SetDroppedAttributesCount(7)
	lr.Attributes().PutStr("ui.action", "click")

	p := testSeed(t)
	p.Apply(ld)

	require.Equal(t, 1, ld.LogRecordCount())
	rl = ld.ResourceLogs().At(0)
	res = rl.Resource()
	sl = rl.ScopeLogs().At(0)
	lr = sl.LogRecords().At(0)
	assert.Empty(t, rl.SchemaUrl())
	assert.Equal(t, map[string]any{
		"service.name":           "sbi-extension",
		"service.version":        "3.2.1",
		"privacy.policy.version": p.Version(),
	}, res.Attributes().AsRaw())
	assert.Zero(t, res.DroppedAttributesCount())
	assert.Empty(t, sl.SchemaUrl())
	assert.Empty(t, sl.Scope().Name())
	assert.Empty(t, sl.Scope().Version())
	assert.Zero(t, sl.Scope().Attributes().Len())
	assert.Equal(t, pcommon.ValueTypeEmpty, lr.Body().Type())
	assert.True(t, lr.TraceID().IsEmpty())
	assert.True(t, lr.SpanID().IsEmpty())
	assert.Zero(t, lr.Flags())
	assert.Empty(t, lr.SeverityText())
	assert.Equal(t, plog.SeverityNumberInfo, lr.SeverityNumber())
	assert.Equal(t, pcommon.Timestamp(1764324000*time.Second), lr.Timestamp())
	assert.Equal(t, pcommon.Timestamp(1764324001*time.Second), lr.ObservedTimestamp())
	assert.Zero(t, lr.DroppedAttributesCount())
	assert.Equal(t, map[string]any{"ui.action": "click"}, lr.Attributes().AsRaw())
}

func TestSeverity(t *testing.T) {
	cases := []struct {
		text     string
		number   plog.SeverityNumber
		wantText string
		wantNum  plog.SeverityNumber
	}{
		{"INFO", plog.SeverityNumberInfo, "INFO", plog.SeverityNumberInfo},
		{"WARN3", plog.SeverityNumberWarn3, "WARN3", plog.SeverityNumberWarn3},
		{"", plog.SeverityNumberError, "", plog.SeverityNumberError},
		{"info", plog.SeverityNumberInfo, "", plog.SeverityNumberInfo},
		{"user=bob", plog.SeverityNumberDebug, "", plog.SeverityNumberDebug},
		{"INFO", plog.SeverityNumber(99), "INFO", plog.SeverityNumberUnspecified},
		{"", plog.SeverityNumber(-3), "", plog.SeverityNumberUnspecified},
	}
	p := testSeed(t)
	for _, tc := range cases {
		ld := oneRecord("ui.interaction", nil)
		lr, _ := firstRecord(ld)
		lr.SetSeverityText(tc.text)
		lr.SetSeverityNumber(tc.number)
		p.Apply(ld)
		assert.Equal(t, tc.wantText, lr.SeverityText(), tc.text)
		assert.Equal(t, tc.wantNum, lr.SeverityNumber(), tc.text)
	}
}

func TestDuplicateKeysKeepFirst(t *testing.T) {
	// OTLP carries attributes as a list, so a client can repeat a key; only
	// the first conforming value may survive.
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[
		{"eventName":"ui.interaction","attributes":[
			{"key":"ui.action","value":{"stringValue":"click"}},
			{"key":"ui.action","value":{"stringValue":"toggle"}},
			{"key":"ui.surface","value":{"stringValue":"nowhere"}},
			{"key":"ui.surface","value":{"stringValue":"popup"}}]}]}]}]}`))
	require.NoError(t, err)
	lr, _ := firstRecord(ld)
	require.Equal(t, 4, lr.Attributes().Len(), "the decoder keeps duplicates")
	rl := ld.ResourceLogs().At(0)
	assert.Equal(t, ViolationPolicy, testSeed(t).Check(rl.Resource(), rl.ScopeLogs().At(0).Scope(), lr))

	st := testSeed(t).Apply(ld)
	assert.Equal(t, 1, st.AttributesDropped[AttrDuplicate])
	assert.Equal(t, 1, st.AttributesDropped[AttrVocabulary])
	lr, _ = firstRecord(ld)
	rl = ld.ResourceLogs().At(0)
	var got [][2]string
	lr.Attributes().Range(func(k string, v pcommon.Value) bool {
		got = append(got, [2]string{k, v.Str()})
		return true
	})
	assert.Equal(t, [][2]string{{"ui.action", "click"}, {"ui.surface", "popup"}}, got)
	assert.Equal(t, None, testSeed(t).Check(rl.Resource(), rl.ScopeLogs().At(0).Scope(), lr))
}

func TestCheckReportsViolations(t *testing.T) {
	p := testSeed(t)
	clean := func() plog.Logs {
		ld := oneRecord("ui.interaction", func(m pcommon.Map) { m.PutStr("ui.action", "click") })
		p.Apply(ld)
		return ld
	}
	cases := []struct {
		name  string
		spoil func(rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord)
		want  Violation
	}{
		{"clean", func(plog.ResourceLogs, plog.ScopeLogs, plog.LogRecord) {}, None},
		{"no stamp", func(rl plog.ResourceLogs, _ plog.ScopeLogs, _ plog.LogRecord) {
			rl.Resource().Attributes().Remove(VersionAttribute)
		}, ViolationPolicy},
		{"other policy version", func(rl plog.ResourceLogs, _ plog.ScopeLogs, _ plog.LogRecord) {
			rl.Resource().Attributes().PutStr(VersionAttribute, "other")
		}, ViolationPolicy},
		{"resource attribute", func(rl plog.ResourceLogs, _ plog.ScopeLogs, _ plog.LogRecord) {
			rl.Resource().Attributes().PutStr("host.name", "laptop")
		}, ViolationResource},
		{"scope name", func(_ plog.ResourceLogs, sl plog.ScopeLogs, _ plog.LogRecord) { sl.Scope().SetName("x") }, ViolationScope},
		{"unknown event", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) { lr.SetEventName("x") }, ViolationEvent},
		{"body", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) { lr.Body().SetStr("x") }, ViolationUnnamedField},
		{"trace id", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) { lr.SetTraceID(pcommon.TraceID{1}) }, ViolationUnnamedField},
		{"flags", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) { lr.SetFlags(1) }, ViolationUnnamedField},
		{"dropped attributes count", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) { lr.SetDroppedAttributesCount(2) }, ViolationUnnamedField},
		{"resource dropped attributes count", func(rl plog.ResourceLogs, _ plog.ScopeLogs, _ plog.LogRecord) {
			rl.Resource().SetDroppedAttributesCount(1)
		}, ViolationUnnamedField},
		{"scope attribute", func(_ plog.ResourceLogs, sl plog.ScopeLogs, _ plog.LogRecord) {
			sl.Scope().Attributes().PutStr("k", "v")
		}, ViolationScope},
		{"event time in the future", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) {
			lr.SetTimestamp(lr.ObservedTimestamp() + pcommon.Timestamp(time.Hour))
		}, ViolationTimestamp},
		{"event time too old", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) {
			lr.SetTimestamp(lr.ObservedTimestamp() - pcommon.Timestamp(30*24*time.Hour))
		}, ViolationTimestamp},
		{"observed time not the time of receipt", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) {
			lr.SetObservedTimestamp(pcommon.Timestamp(1 * time.Second))
		}, ViolationTimestamp},
		{"severity text", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) { lr.SetSeverityText("x") }, ViolationSeverity},
		{"timestamp precision", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) { lr.SetTimestamp(lr.Timestamp() + 1) }, ViolationTimestamp},
		{"unknown attribute", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) { lr.Attributes().PutStr("x", "y") }, ViolationAttribute},
		{"value not minimized", func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) {
			lr.Attributes().PutStr("ui.action", "hover")
		}, ViolationAttribute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ld := clean()
			rl := ld.ResourceLogs().At(0)
			sl := rl.ScopeLogs().At(0)
			lr := sl.LogRecords().At(0)
			tc.spoil(rl, sl, lr)
			assert.Equal(t, tc.want, p.Check(rl.Resource(), sl.Scope(), lr))
			gs := p.Guard(ld)
			if tc.want == None {
				assert.Equal(t, 1, gs.Passed)
				assert.Equal(t, 1, ld.LogRecordCount())
			} else {
				assert.Equal(t, 1, gs.Dropped[tc.want])
				assert.Equal(t, 0, ld.LogRecordCount())
			}
		})
	}
}

func TestCheckURLRequiresSanitizedForm(t *testing.T) {
	p := testSeed(t)
	ld := oneRecord("search.started", func(m pcommon.Map) {
		m.PutStr("search.trigger", "page_button")
		m.PutStr("url.full", "https://example.com/item/1234567")
	})
	p.Apply(ld)
	rl := ld.ResourceLogs().At(0)
	lr, _ := firstRecord(ld)
	require.Equal(t, None, p.Check(rl.Resource(), rl.ScopeLogs().At(0).Scope(), lr))
	lr.Attributes().PutStr("url.full", "https://example.com/item/1234567")
	assert.Equal(t, ViolationAttribute, p.Check(rl.Resource(), rl.ScopeLogs().At(0).Scope(), lr))
	lr.Attributes().PutStr("url.full", "https://example.com/item/{id}")
	lr.Attributes().PutStr("search.trigger", "auto")
	assert.Equal(t, ViolationAttribute, p.Check(rl.Resource(), rl.ScopeLogs().At(0).Scope(), lr))
}

// TestApplyMergesResources: records of resources that minimize to the same
// attributes end up under one resource (the per-client grouping is gone);
// different versions stay apart; Apply stays idempotent.
func TestApplyMergesResources(t *testing.T) {
	p := testSeed(t)
	ld := plog.NewLogs()
	for i, v := range []string{"3.2.1", "3.2.1", "3.3.0", "3.2.1"} {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "sbi-extension")
		rl.Resource().Attributes().PutStr("service.version", v)
		rl.Resource().Attributes().PutStr("client.install_id", "install-"+string(rune('a'+i)))
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetEventName("ui.interaction")
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(testNow))
		lr.Attributes().PutStr("ui.action", "click")
	}
	st := p.Apply(ld)
	assert.Equal(t, 4, st.AttributesDropped[AttrNotAllowed], "every install id is dropped and counted")
	require.Equal(t, 2, ld.ResourceLogs().Len())
	counts := map[string]int{}
	for _, rl := range ld.ResourceLogs().All() {
		v, _ := rl.Resource().Attributes().Get("service.version")
		require.Equal(t, 1, rl.ScopeLogs().Len())
		counts[v.Str()] = rl.ScopeLogs().At(0).LogRecords().Len()
	}
	assert.Equal(t, map[string]int{"3.2.1": 3, "3.3.0": 1}, counts)
	once := mustMarshal(t, ld)
	p.Apply(ld)
	assert.Equal(t, once, mustMarshal(t, ld), "idempotent")
}
