package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/config"
)

func explainSeed(t *testing.T) (*Policy, time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 28, 10, 0, 5, 0, time.UTC)
	p, err := Parse(config.SeedPolicy, "seed")
	require.NoError(t, err)
	return p.WithClock(func() time.Time { return now }), now
}

func explainOne(t *testing.T, p *Policy, now time.Time, event string, fill func(pcommon.Map)) (plog.Logs, Explanation) {
	t.Helper()
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "sbi-extension")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName(event)
	lr.SetTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Second)))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
	fill(lr.Attributes())
	return ld, p.Explain(ld)
}

// TestExplainAttributes: each way an attribute fares, with the rule path
// down to the setting that decides.
func TestExplainAttributes(t *testing.T) {
	p, now := explainSeed(t)
	const ui, search, settings = `events."ui.interaction"`, `events."search.started"`, `events."settings.state"`
	for _, tc := range []struct {
		name    string
		event   string
		fill    func(pcommon.Map)
		key     string
		outcome AttrOutcome
		reason  AttrReason
		rule    string
		out     string
	}{
		{"kept", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.action", "click") },
			"ui.action", AttrKept, 0, ui + `.attributes."ui.action"`, ""},
		{"not allowed", "ui.interaction", func(m pcommon.Map) { m.PutStr("user.id", "u1") },
			"user.id", AttrDropped, AttrNotAllowed, ui, ""},
		{"wrong type", "ui.interaction", func(m pcommon.Map) { m.PutInt("ui.action", 1) },
			"ui.action", AttrDropped, AttrWrongType, ui + `.attributes."ui.action".type`, ""},
		{"enum", "ui.interaction", func(m pcommon.Map) { m.PutStr("ui.action", "hover") },
			"ui.action", AttrDropped, AttrVocabulary, ui + `.attributes."ui.action".enum`, ""},
		{"prefixed name outside names", "settings.state", func(m pcommon.Map) { m.PutBool("setting.theme", true) },
			"setting.theme", AttrDropped, AttrVocabulary, settings + `.attribute_prefixes."setting.".names`, ""},
		{"prefixed name kept", "settings.state", func(m pcommon.Map) { m.PutBool("setting.dark_mode", true) },
			"setting.dark_mode", AttrKept, 0, settings + `.attribute_prefixes."setting."`, ""},
		{"condition", "search.started", func(m pcommon.Map) {
			m.PutStr("search.trigger", "auto")
			m.PutStr("url.full", "https://example.com/")
		}, "url.full", AttrDropped, AttrCondition, search + `.attributes."url.full".when`, ""},
		{"url generalized", "search.started", func(m pcommon.Map) {
			m.PutStr("search.trigger", "context_menu")
			m.PutStr("url.full", "https://user:pw@www.aliexpress.com/item/1005006123456789.html?spm=x#f")
		}, "url.full", AttrRewritten, 0, search + `.attributes."url.full"`, "https://www.aliexpress.com/item/{id}.html"},
		{"invalid url", "search.started", func(m pcommon.Map) {
			m.PutStr("search.trigger", "context_menu")
			m.PutStr("url.full", "javascript:alert(1)")
		}, "url.full", AttrDropped, AttrInvalidURL, search + `.attributes."url.full" (url.mode, url.max_length)`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ld, x := explainOne(t, p, now, tc.event, tc.fill)
			require.Len(t, x.Records, 1)
			var got *AttrExplanation
			for i := range x.Records[0].Attributes {
				if x.Records[0].Attributes[i].Key == tc.key {
					got = &x.Records[0].Attributes[i]
				}
			}
			require.NotNil(t, got)
			assert.Equal(t, tc.outcome, got.Outcome)
			if tc.outcome == AttrDropped {
				assert.Equal(t, tc.reason, got.Reason)
			}
			assert.Equal(t, tc.rule, got.Rule)
			assert.Equal(t, tc.out, got.Out)

			// Explain changes nothing; Apply agrees with it.
			before, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
			require.NoError(t, err)
			p.Explain(ld)
			after, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
			require.NoError(t, err)
			assert.Equal(t, before, after)
			p.Apply(ld)
			v, kept := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get(tc.key)
			assert.Equal(t, tc.outcome != AttrDropped, kept)
			if tc.outcome == AttrRewritten {
				assert.Equal(t, tc.out, v.Str())
			}
		})
	}
}

func TestExplainRecords(t *testing.T) {
	p, now := explainSeed(t)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("browser.name", "Chrome")
	rl.Resource().Attributes().PutStr(VersionAttribute, "forged")
	rl.SetSchemaUrl("https://example.com/schema")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	lrs.AppendEmpty().SetEventName("page.viewed")
	lrs.AppendEmpty().Body().SetStr("no name")
	lr := lrs.AppendEmpty()
	lr.SetEventName("ui.interaction")
	lr.Body().SetStr("body")
	lr.SetSeverityText("Custom")
	lr.SetTimestamp(pcommon.NewTimestampFromTime(now.Add(-100 * 24 * time.Hour)))

	x := p.Explain(ld)
	require.Len(t, x.Resources, 1)
	res := x.Resources[0]
	assert.Equal(t, p.Version(), res.Stamp)
	assert.Equal(t, []string{"schema_url"}, res.Dropped)
	require.Len(t, res.Attributes, 2)
	assert.Equal(t, AttrNotAllowed, res.Attributes[0].Reason)
	assert.Equal(t, "resource.attributes", res.Attributes[0].Rule)
	assert.Equal(t, "stamp "+VersionAttribute, res.Attributes[1].Rule)

	require.Len(t, x.Records, 3)
	assert.Equal(t, RecordExplanation{Event: "page.viewed", Dropped: true, Reason: RecordUnknownEvent, Index: 0}, x.Records[0])
	assert.Equal(t, RecordExplanation{Dropped: true, Reason: RecordMissingEventName, Index: 1}, x.Records[1])
	r := x.Records[2]
	assert.Equal(t, `events."ui.interaction"`, r.Rule)
	assert.Equal(t, "ui", r.Clause)
	assert.Equal(t, []string{"body"}, r.Unnamed)
	fields := map[string]FieldExplanation{}
	for _, f := range r.Fields {
		fields[f.Field] = f
	}
	assert.Contains(t, fields["observed_time"].Note, "set to the time of receipt")
	assert.Equal(t, now.Format(time.RFC3339Nano), fields["observed_time"].Out)
	assert.Contains(t, fields["time"].Note, "replaced by observed_time")
	assert.Equal(t, "", fields["severity_text"].Out)
}

// TestExplainDuplicate: a key sent twice (only a decoder can produce that)
// keeps its first value that passes the rule.
func TestExplainDuplicate(t *testing.T) {
	p, _ := explainSeed(t)
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"ui.interaction","attributes":[
		{"key":"ui.action","value":{"stringValue":"hover"}},
		{"key":"ui.action","value":{"stringValue":"click"}},
		{"key":"ui.action","value":{"stringValue":"open"}}]}]}]}]}`))
	require.NoError(t, err)
	x := p.Explain(ld)
	require.Len(t, x.Records, 1)
	var got []string
	for _, a := range x.Records[0].Attributes {
		s := a.Outcome.String()
		if a.Outcome == AttrDropped {
			s += " " + a.Reason.String()
		}
		got = append(got, s)
	}
	assert.Equal(t, []string{"dropped vocabulary", "kept", "dropped duplicate"}, got)
	p.Apply(ld)
	v, _ := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get("ui.action")
	assert.Equal(t, "click", v.Str())
}
