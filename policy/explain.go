package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Explanation says, part by part, what Apply does to a batch and which rule
// decides it. It is read off the engine itself: the same event and attribute
// lookups, the same eval, and the canonical record Apply builds (so a
// condition or a duplicate is reported because the engine left the attribute
// out, not because this file re-derives it). It is for people (the sbipolicy
// tool); it carries values, so no component may log it.
type Explanation struct {
	Resources []ResourceExplanation
	Records   []RecordExplanation
}

// ResourceExplanation covers one input ResourceLogs.
type ResourceExplanation struct {
	Index      int
	Attributes []AttrExplanation
	// Stamp is the privacy.policy.version Apply writes (inbound values are
	// replaced).
	Stamp string
	// Dropped lists the non-attribute parts present in the input that no rule
	// names (schema URL, scope name, ...): never part of the output.
	Dropped []string
}

// RecordExplanation covers one input log record.
type RecordExplanation struct {
	Resource, Scope, Index int // position in the input
	Event                  string
	// Dropped: the whole record is dropped, for Reason.
	Dropped bool
	Reason  RecordReason
	// Rule is the policy path of the event's rule (events."name"), Clause its
	// clause id; empty when the record is dropped.
	Rule, Clause string
	Attributes   []AttrExplanation
	Fields       []FieldExplanation
	// Unnamed lists the record fields present in the input that the policy
	// does not name (body, trace_id, ...): absent from the output.
	Unnamed []string
}

// AttrOutcome is what happens to one attribute.
type AttrOutcome uint8

const (
	AttrKept      AttrOutcome = iota // written as it came
	AttrRewritten                    // written in a sanitized form (Out)
	AttrDropped                      // not written, for Reason
)

func (o AttrOutcome) String() string {
	return [...]string{"kept", "rewritten", "dropped"}[o]
}

// AttrExplanation covers one input attribute.
type AttrExplanation struct {
	Key     string
	In      pcommon.Value // a copy of the input value
	Outcome AttrOutcome
	Out     string       // the rewritten value (AttrRewritten)
	Kind    SanitizeKind // how it was rewritten (AttrRewritten)
	Reason  AttrReason   // why it was dropped (AttrDropped)
	// Rule is the policy path that decides, down to the clause of the rule
	// (e.g. events."ui.interaction".attributes."ui.action".enum); Clause is
	// the privacy-policy clause id of the rule (of the event when no
	// attribute rule matched).
	Rule, Clause string
	// Info describes the attribute rule that matched the key; nil when none did.
	Info *AttributeInfo
}

// FieldExplanation covers one named record field whose value Apply computes.
type FieldExplanation struct {
	Field   string // time, observed_time, severity_number, severity_text
	In, Out string
	Note    string // why Out differs from In; empty when equal
}

// WithClock returns the same policy reading time from now: Explain and Apply
// on it bound and stamp times as a collector whose clock reads now would.
// The tools use it to replay events at their time of receipt.
func (p *Policy) WithClock(now func() time.Time) *Policy {
	q := *p
	q.now = now
	return &q
}

// Explain reports what Apply would do to ld, which it does not change.
func (p *Policy) Explain(ld plog.Logs) Explanation {
	var x Explanation
	ps := p.newPass(nil)
	defer ps.release()
	for ri, rl := range ld.ResourceLogs().All() {
		x.Resources = append(x.Resources, ps.explainResource(ri, rl))
		for si, sl := range rl.ScopeLogs().All() {
			for li, lr := range sl.LogRecords().All() {
				rx := ps.explainRecord(lr)
				rx.Resource, rx.Scope, rx.Index = ri, si, li
				x.Records = append(x.Records, rx)
			}
		}
	}
	return x
}

func (ps *pass) explainResource(i int, rl plog.ResourceLogs) ResourceExplanation {
	rx := ResourceExplanation{Index: i, Stamp: ps.p.version}
	canon := append([]canonAttr(nil), ps.canonResource(rl.Resource())...)
	rx.Attributes = ps.explainAttrs(rl.Resource().Attributes(), canon, ps.p.resourceRule,
		func(k string, r *attrRule, _ AttrReason) string {
			if k == VersionAttribute {
				return "stamp " + VersionAttribute
			}
			if r == nil {
				return "resource.attributes"
			}
			return fmt.Sprintf("resource.attributes.%q", r.key)
		}, "")
	if rl.SchemaUrl() != "" {
		rx.Dropped = append(rx.Dropped, "schema_url")
	}
	if rl.Resource().DroppedAttributesCount() != 0 {
		rx.Dropped = append(rx.Dropped, "resource.dropped_attributes_count")
	}
	for _, sl := range rl.ScopeLogs().All() {
		s := sl.Scope()
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"scope.name", s.Name() != ""},
			{"scope.version", s.Version() != ""},
			{"scope.attributes", s.Attributes().Len() > 0},
			{"scope.schema_url", sl.SchemaUrl() != ""},
		} {
			if f.set && !slices.Contains(rx.Dropped, f.name) {
				rx.Dropped = append(rx.Dropped, f.name)
			}
		}
	}
	return rx
}

func (ps *pass) explainRecord(lr plog.LogRecord) RecordExplanation {
	rx := RecordExplanation{Event: lr.EventName()}
	ev, reason := ps.p.event(lr)
	if ev == nil {
		rx.Dropped, rx.Reason = true, reason
		return rx
	}
	rx.Rule, rx.Clause = fmt.Sprintf("events.%q", ev.name), ev.clause
	c := ps.canonicalize(ev, lr)
	canon := append([]canonAttr(nil), c.attrs...)
	rx.Attributes = ps.explainAttrs(lr.Attributes(), canon, ev.lookup,
		func(k string, r *attrRule, reason AttrReason) string {
			switch {
			case r == nil && reason == AttrVocabulary:
				// A prefixed name outside the prefix rule's closed set of names.
				for _, pr := range ev.prefixes {
					if strings.HasPrefix(k, pr.key) && pr.namePattern.MatchString(k[len(pr.key):]) {
						return fmt.Sprintf("%s.attribute_prefixes.%q.names", rx.Rule, pr.key)
					}
				}
				return rx.Rule
			case r == nil:
				return rx.Rule
			case len(r.key) > 0 && ev.attrs[r.key] == r:
				return fmt.Sprintf("%s.attributes.%q", rx.Rule, r.key)
			default:
				return fmt.Sprintf("%s.attribute_prefixes.%q", rx.Rule, r.key)
			}
		}, ev.clause)

	g := ps.p.granularity
	rx.Fields = []FieldExplanation{
		timeField("observed_time", lr.ObservedTimestamp(), c.observed, g,
			"set to the time of receipt: none given, or more than max_clock_skew ahead of or max_event_age behind the collector's clock"),
		timeField("time", lr.Timestamp(), c.time, g,
			"replaced by observed_time: more than max_clock_skew after or max_event_age before it"),
		{Field: "severity_number", In: lr.SeverityNumber().String(), Out: c.sevNum.String()},
		{Field: "severity_text", In: lr.SeverityText(), Out: c.sevText},
	}
	if c.sevNum != lr.SeverityNumber() {
		rx.Fields[2].Note = "outside 0-24, so unspecified"
	}
	if c.sevText != lr.SeverityText() {
		rx.Fields[3].Note = "not one of the spec's short names (TRACE … FATAL4), so removed"
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"body", lr.Body().Type() != pcommon.ValueTypeEmpty},
		{"trace_id", !lr.TraceID().IsEmpty()},
		{"span_id", !lr.SpanID().IsEmpty()},
		{"flags", lr.Flags() != 0},
		{"dropped_attributes_count", lr.DroppedAttributesCount() != 0},
	} {
		if f.set {
			rx.Unnamed = append(rx.Unnamed, f.name)
		}
	}
	return rx
}

func timeField(name string, in, out pcommon.Timestamp, g time.Duration, replaced string) FieldExplanation {
	f := FieldExplanation{Field: name, In: fmtTime(in), Out: fmtTime(out)}
	switch {
	case in == out:
	case in != 0 && out == pcommon.Timestamp(uint64(in)/uint64(g)*uint64(g)):
		f.Note = "truncated to " + g.String()
	default:
		f.Note = replaced
	}
	return f
}

func fmtTime(t pcommon.Timestamp) string {
	if t == 0 {
		return "unset"
	}
	return t.AsTime().UTC().Format(time.RFC3339Nano)
}

// explainAttrs explains each input attribute. lookup and eval are the
// engine's; canon is the engine's canonical attribute list for this part, so
// an attribute that passed its rule but is missing from canon was removed by
// its `when` condition.
func (ps *pass) explainAttrs(attrs pcommon.Map, canon []canonAttr, lookup func(string) (*attrRule, AttrReason), rulePath func(string, *attrRule, AttrReason) string, clause string) []AttrExplanation {
	var out []AttrExplanation
	seen := map[string]bool{}
	for k, v := range attrs.All() {
		ax := AttrExplanation{Key: k, In: pcommon.NewValueEmpty(), Outcome: AttrDropped, Clause: clause}
		v.CopyTo(ax.In)
		r, reason := lookup(k)
		ax.Rule = rulePath(k, r, reason)
		if r == nil {
			ax.Reason = reason
			out = append(out, ax)
			continue
		}
		ax.Clause = r.clause
		info := describeAttr(r, strings.Contains(ax.Rule, ".attribute_prefixes.")) // the path rulePath gave r
		ax.Info = &info
		o, repl, reason, kind := ps.p.eval(r, v, ps.keys)
		switch {
		case o == drop:
			ax.Reason = reason
			if r != ps.p.stamp {
				ax.Rule += reasonClause(r, reason, v)
			}
		case seen[k]:
			// The first value that passed its rule is the one kept.
			ax.Reason = AttrDuplicate
		case findAttr(canon, k) == nil:
			ax.Reason = AttrCondition
			ax.Rule += ".when"
		case o == replace:
			ax.Outcome, ax.Out, ax.Kind = AttrRewritten, repl, kind
		default:
			ax.Outcome = AttrKept
		}
		if o != drop {
			seen[k] = true
		}
		out = append(out, ax)
	}
	return out
}

// reasonClause names the key of the attribute rule that rejected a value.
func reasonClause(r *attrRule, reason AttrReason, v pcommon.Value) string {
	switch reason {
	case AttrWrongType:
		return ".type"
	case AttrVocabulary:
		return ".enum"
	case AttrDetected:
		return ".scan"
	case AttrInvalidURL:
		return " (url.mode, url.max_length)"
	case AttrConstraint:
		switch {
		case r.pattern == nil:
			return ".max_length"
		case r.maxLen == 0:
			return ".pattern"
		case v.Type() == pcommon.ValueTypeStr && len(v.Str()) > r.maxLen:
			return ".max_length"
		default:
			return ".pattern"
		}
	}
	return ""
}
