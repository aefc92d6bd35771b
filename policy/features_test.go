package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestScanActions(t *testing.T) {
	p := featurePolicy(t, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	cases := []struct {
		in   string
		want any // nil: dropped
	}{
		{"search_button", "search_button"},
		{"mail:jane@example.com", "mail:[redacted:email]"},
		{"from_203.0.113.9", "from_[redacted:ip]"},
		{"SHOUT", nil}, // pattern
	}
	for _, tc := range cases {
		ld := oneRecord("ui.interaction", func(m pcommon.Map) { m.PutStr("ui.control", tc.in) })
		st := p.Apply(ld)
		lr, _ := firstRecord(ld)
		v, ok := lr.Attributes().Get("ui.control")
		if tc.want == nil {
			assert.False(t, ok, tc.in)
			continue
		}
		require.True(t, ok, tc.in)
		assert.Equal(t, tc.want, v.Str())
		if tc.want != tc.in {
			assert.Equal(t, 1, st.ValuesSanitized[SanitizedMask])
		}
	}
}

func TestPseudonyms(t *testing.T) {
	day1 := time.Date(2026, 11, 28, 23, 59, 0, 0, time.UTC)
	apply := func(p *Policy, id string) string {
		ld := oneRecord("ui.interaction", nil)
		ld.ResourceLogs().At(0).Resource().Attributes().PutStr("install.id", id)
		st := p.Apply(ld)
		v, ok := ld.ResourceLogs().At(0).Resource().Attributes().Get("install.id")
		require.True(t, ok)
		if !strings.HasPrefix(id, pseudonymPrefix) {
			assert.Equal(t, 1, st.ValuesSanitized[SanitizedPseudonym])
		}
		return v.Str()
	}
	p1 := featurePolicy(t, day1)
	a := apply(p1, "install-42")
	assert.True(t, strings.HasPrefix(a, pseudonymPrefix))
	assert.Len(t, a, pseudonymLen)
	assert.NotContains(t, a, "install-42")
	assert.Equal(t, a, apply(p1, "install-42"), "stable within a day")
	assert.NotEqual(t, a, apply(p1, "install-43"))
	assert.Equal(t, a, apply(p1, a), "a valid pseudonym is kept: Apply is idempotent")

	p2 := featurePolicy(t, day1.Add(2*time.Minute)) // next UTC day
	b := apply(p2, "install-42")
	assert.NotEqual(t, a, b, "cannot be linked across days")
	assert.Equal(t, a, apply(p2, a), "yesterday's pseudonym still verifies after midnight")

	p3 := featurePolicy(t, day1.Add(48*time.Hour))
	assert.NotEqual(t, a, apply(p3, a), "an old pseudonym is re-pseudonymized, not trusted")

	forged := pseudonymPrefix + strings.Repeat("A", pseudonymLen-len(pseudonymPrefix))
	assert.NotEqual(t, forged, apply(p1, forged), "a client-made look-alike is not trusted")

	other, err := parse([]byte(featurePolicyYAML), "features.yaml", func(string) string {
		return "another-key-another-key-another-key!"
	}, func() time.Time { return day1 })
	require.NoError(t, err)
	assert.NotEqual(t, a, apply(other, "install-42"), "the key matters")
}

func TestTimestampGranularity(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 19, 0, 0, time.UTC)
	p := featurePolicy(t, now) // 1m
	ld := oneRecord("ui.interaction", nil)
	lr, _ := firstRecord(ld)
	lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 11, 28, 10, 17, 42, 5, time.UTC)))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Second)))
	p.Apply(ld)
	assert.Equal(t, time.Date(2026, 11, 28, 10, 18, 0, 0, time.UTC), lr.ObservedTimestamp().AsTime())
	assert.Equal(t, time.Date(2026, 11, 28, 10, 17, 0, 0, time.UTC), lr.Timestamp().AsTime())
}

func TestQueryAllowlistThroughApply(t *testing.T) {
	p := featurePolicy(t, time.Now())
	ld := oneRecord("search.started", func(m pcommon.Map) {
		m.PutStr("search.trigger", "toolbar_button")
		m.PutStr("url.full", "https://www.aliexpress.com/w/wholesale-mug.html?page=2&lang=en&SearchText=my+name&spm=1")
	})
	p.Apply(ld)
	lr, _ := firstRecord(ld)
	v, _ := lr.Attributes().Get("url.full")
	assert.Equal(t, "https://www.aliexpress.com/w/wholesale-mug.html?page=2&lang=en", v.Str())

	// context_menu is an allowed trigger in this policy, but the URL's
	// condition names only toolbar_button.
	ld = oneRecord("search.started", func(m pcommon.Map) {
		m.PutStr("search.trigger", "context_menu")
		m.PutStr("url.full", "https://example.com/")
	})
	st := p.Apply(ld)
	lr, _ = firstRecord(ld)
	_, ok := lr.Attributes().Get("url.full")
	assert.False(t, ok)
	assert.Equal(t, 1, st.AttributesDropped[AttrCondition])
}

func TestGuardPrunesAndCounts(t *testing.T) {
	p := Seed()
	ld := plog.NewLogs()
	clean := oneRecord("ui.interaction", func(m pcommon.Map) { m.PutStr("ui.action", "click") })
	p.Apply(clean)
	clean.ResourceLogs().At(0).CopyTo(ld.ResourceLogs().AppendEmpty())
	raw := oneRecord("ui.interaction", func(m pcommon.Map) { m.PutStr("user.email", "a@b.c") })
	raw.ResourceLogs().At(0).CopyTo(ld.ResourceLogs().AppendEmpty())

	gs := p.Guard(ld)
	assert.Equal(t, 1, gs.Passed)
	assert.Equal(t, 1, gs.Dropped[ViolationPolicy], "never minimized: no stamp")
	assert.Equal(t, 1, gs.DroppedTotal())
	assert.Equal(t, 1, ld.ResourceLogs().Len(), "the emptied resource is pruned")
}
