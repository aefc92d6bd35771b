// Package policy is the privacy policy of the Search by Image extension as
// code: a policy file compiled once into an evaluator with two modes that
// share every rule. Apply minimizes logs in place (the minimize processor);
// Check and Guard verify that records are already minimized (the egress
// exporter's guard). Everything the policy does not name is dropped.
package policy

import (
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/config"
	"github.com/sbi-telemetry/otelcol-sbi/policy/pageurl"
)

// VersionAttribute is the resource attribute Apply stamps with the policy's
// version. An inbound value is never trusted: one that is not exactly this
// policy's version is replaced.
const VersionAttribute = "privacy.policy.version"

type valueType uint8

const (
	typeString valueType = iota + 1
	typeBool
	typeInt
	typeDouble
	typeURL
)

func (t valueType) String() string {
	return [...]string{"", "string", "bool", "int", "double", "url"}[t]
}

type attrRule struct {
	key          string // the key, or the prefix of a prefix rule
	typ          valueType
	enum         map[string]struct{}
	enumIndex    index[struct{}]
	pattern      matcher
	patternSrc   string // as written in the policy, for docs
	namePattern  matcher
	nameSrc      string
	maxLen       int
	when         map[string]map[string]struct{}
	pseudonymize bool
	scan         *scanRule
	clause       string
	description  string
}

type eventRule struct {
	name        string
	clause      string
	description string
	attrs       map[string]*attrRule
	attrIndex   index[*attrRule]
	prefixes    []*attrRule
	conditional []*attrRule
}

func (e *eventRule) lookup(key string) *attrRule {
	if r, ok := e.attrIndex.get(key); ok {
		return r
	}
	for _, r := range e.prefixes {
		if strings.HasPrefix(key, r.key) && r.namePattern.MatchString(key[len(r.key):]) {
			return r
		}
	}
	return nil
}

// Policy is a compiled policy. It is immutable and safe for concurrent use.
type Policy struct {
	version       string
	clauses       map[string]string
	granularity   time.Duration
	url           *pageurl.Generalizer
	pseudonymizer *pseudonymizer
	resource      map[string]*attrRule
	stamp         *attrRule // privacy.policy.version: this policy's version only
	events        map[string]*eventRule
	eventIndex    index[*eventRule]
	now           func() time.Time
}

var seed = sync.OnceValue(func() *Policy {
	p, err := cached("seed", config.SeedPolicy)
	if err != nil {
		panic(err) // the embedded policy is tested; a broken one is a build defect
	}
	return p
})

// Seed returns the seed policy embedded from config/policy.yaml.
func Seed() *Policy { return seed() }

// dayKeys returns today's pseudonym keys, or nil when nothing is pseudonymized.
func (p *Policy) dayKeys() *dayKeys {
	if p.pseudonymizer == nil {
		return nil
	}
	return p.pseudonymizer.keys(p.now())
}

// Version is the policy's version, stamped on every resource Apply emits.
func (p *Policy) Version() string { return p.version }

type outcome uint8

const (
	keep outcome = iota
	replace
	drop
)

// eval decides what happens to one attribute value. It never mutates: Apply
// carries the outcome out, Check only asks whether it is keep. Keeping one
// function for both is what makes Check(Apply(x)) hold by construction.
func (p *Policy) eval(r *attrRule, v pcommon.Value, keys *dayKeys) (outcome, string, AttrReason, SanitizeKind) {
	switch r.typ {
	case typeBool:
		if v.Type() != pcommon.ValueTypeBool {
			return drop, "", AttrWrongType, 0
		}
		return keep, "", 0, 0
	case typeInt:
		if v.Type() != pcommon.ValueTypeInt {
			return drop, "", AttrWrongType, 0
		}
		return keep, "", 0, 0
	case typeDouble:
		if v.Type() != pcommon.ValueTypeDouble {
			return drop, "", AttrWrongType, 0
		}
		return keep, "", 0, 0
	}
	if v.Type() != pcommon.ValueTypeStr {
		return drop, "", AttrWrongType, 0
	}
	s := v.Str()
	changed, kind := false, SanitizedMask
	if r.typ == typeURL {
		out, ok := p.url.Generalize(s)
		if !ok {
			return drop, "", AttrInvalidURL, 0
		}
		changed, kind, s = out != s, SanitizedURL, out
	}
	if r.pseudonymize && keys.valid(s) {
		return keep, "", 0, 0
	}
	if r.scan != nil {
		found, masked := r.scan.scan(s)
		if found {
			if !r.scan.mask {
				return drop, "", AttrDetected, 0
			}
			changed, s = true, masked
		}
	}
	if r.maxLen > 0 && len(s) > r.maxLen {
		return drop, "", AttrConstraint, 0
	}
	if !r.enumIndex.empty() {
		if _, ok := r.enumIndex.get(s); !ok {
			return drop, "", AttrConstraint, 0
		}
	}
	if r.pattern != nil && !r.pattern.MatchString(s) {
		return drop, "", AttrConstraint, 0
	}
	if r.pseudonymize {
		return replace, keys.pseudonym(s), 0, SanitizedPseudonym
	}
	if changed {
		return replace, s, 0, kind
	}
	return keep, "", 0, 0
}

// conditionHolds reports whether every `when` attribute of r is present in
// attrs with one of its listed string values.
func conditionHolds(r *attrRule, attrs pcommon.Map) bool {
	for k, allowed := range r.when {
		v, ok := attrs.Get(k)
		if !ok || v.Type() != pcommon.ValueTypeStr {
			return false
		}
		if _, ok := allowed[v.Str()]; !ok {
			return false
		}
	}
	return true
}

// seenKeys tracks kept attribute keys to drop duplicates (OTLP allows repeated
// keys on the wire; a second value is a second, unchecked channel).
type seenKeys struct {
	small [16]string
	n     int
	more  map[string]struct{}
}

func (s *seenKeys) add(k string) bool {
	for i := 0; i < s.n; i++ {
		if s.small[i] == k {
			return false
		}
	}
	if _, ok := s.more[k]; ok {
		return false
	}
	if s.n < len(s.small) {
		s.small[s.n] = k
		s.n++
		return true
	}
	if s.more == nil {
		s.more = map[string]struct{}{}
	}
	s.more[k] = struct{}{}
	return true
}

// filterAttrs applies rules to attrs in place (Apply mode).
func (p *Policy) filterAttrs(attrs pcommon.Map, lookup func(string) *attrRule, keys *dayKeys, st *Stats) {
	var seen seenKeys
	attrs.RemoveIf(func(k string, v pcommon.Value) bool {
		r := lookup(k)
		if r == nil {
			st.AttributesDropped[AttrNotAllowed]++
			return true
		}
		o, repl, reason, kind := p.eval(r, v, keys)
		switch o {
		case drop:
			st.AttributesDropped[reason]++
			return true
		case replace:
			v.SetStr(repl)
			st.ValuesSanitized[kind]++
		}
		if !seen.add(k) {
			st.AttributesDropped[AttrDuplicate]++
			return true
		}
		return false
	})
}

// attrsConform is filterAttrs in Check mode.
func (p *Policy) attrsConform(attrs pcommon.Map, lookup func(string) *attrRule, keys *dayKeys) bool {
	var seen seenKeys
	ok := true
	attrs.Range(func(k string, v pcommon.Value) bool {
		r := lookup(k)
		if r == nil || !seen.add(k) {
			ok = false
			return false
		}
		if o, _, _, _ := p.eval(r, v, keys); o != keep {
			ok = false
		}
		return ok
	})
	return ok
}

// resourceRule finds the rule of a resource attribute. The policy stamp is
// kept only with this policy's own version: any other value (a client's, or
// another policy's) is dropped and the stamp written anew.
func (p *Policy) resourceRule(k string) *attrRule {
	if k == VersionAttribute {
		return p.stamp
	}
	return p.resource[k]
}

// event returns the rule of a record's event, or why there is none.
func (p *Policy) event(lr plog.LogRecord) (*eventRule, RecordReason) {
	name := lr.EventName()
	if name == "" {
		return nil, RecordMissingEventName
	}
	ev, ok := p.eventIndex.get(name)
	if !ok {
		return nil, RecordUnknownEvent
	}
	return ev, 0
}

// Apply minimizes ld in place: records of events the policy does not name are
// removed, every kept record keeps only what its rules allow, and each
// resource is reduced to its allowed attributes plus the policy stamp.
// Resources and scopes left empty are removed.
func (p *Policy) Apply(ld plog.Logs) Stats {
	var st Stats
	keys := p.dayKeys()
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				st.RecordsIn++
				ev, reason := p.event(lr)
				if ev == nil {
					st.RecordsDropped[reason]++
					return true
				}
				p.applyRecord(ev, lr, keys, &st)
				return false
			})
			if sl.LogRecords().Len() == 0 {
				return true
			}
			sl.SetSchemaUrl("")
			clearScope(sl.Scope())
			return false
		})
		if rl.ScopeLogs().Len() == 0 {
			return true
		}
		rl.SetSchemaUrl("")
		res := rl.Resource()
		res.SetDroppedAttributesCount(0)
		p.filterAttrs(res.Attributes(), p.resourceRule, keys, &st)
		if _, ok := res.Attributes().Get(VersionAttribute); !ok {
			res.Attributes().PutStr(VersionAttribute, p.version)
		}
		return false
	})
	return st
}

func clearScope(s pcommon.InstrumentationScope) {
	if s.Name() != "" {
		s.SetName("")
	}
	if s.Version() != "" {
		s.SetVersion("")
	}
	if s.Attributes().Len() > 0 {
		s.Attributes().Clear()
	}
	s.SetDroppedAttributesCount(0)
}

func (p *Policy) applyRecord(ev *eventRule, lr plog.LogRecord, keys *dayKeys, st *Stats) {
	attrs := lr.Attributes()
	p.filterAttrs(attrs, ev.lookup, keys, st)
	for _, r := range ev.conditional {
		if _, ok := attrs.Get(r.key); ok && !conditionHolds(r, attrs) {
			attrs.Remove(r.key)
			st.AttributesDropped[AttrCondition]++
		}
	}
	// Each field is written only when it must change: on the kept path most
	// records are already clean, and pdata setters are not free.
	if lr.DroppedAttributesCount() != 0 {
		lr.SetDroppedAttributesCount(0)
	}
	if lr.Body().Type() != pcommon.ValueTypeEmpty {
		pcommon.NewValueEmpty().CopyTo(lr.Body())
	}
	if !lr.TraceID().IsEmpty() {
		lr.SetTraceID(pcommon.NewTraceIDEmpty())
	}
	if !lr.SpanID().IsEmpty() {
		lr.SetSpanID(pcommon.NewSpanIDEmpty())
	}
	if lr.Flags() != 0 {
		lr.SetFlags(0)
	}
	if !standardSeverity(lr) {
		lr.SetSeverityText("")
		if n := lr.SeverityNumber(); n < plog.SeverityNumberUnspecified || n > plog.SeverityNumberFatal4 {
			lr.SetSeverityNumber(plog.SeverityNumberUnspecified)
		}
	}
	if ts := lr.Timestamp(); p.truncate(ts) != ts {
		lr.SetTimestamp(p.truncate(ts))
	}
	if ts := lr.ObservedTimestamp(); p.truncate(ts) != ts {
		lr.SetObservedTimestamp(p.truncate(ts))
	}
}

func (p *Policy) truncate(ts pcommon.Timestamp) pcommon.Timestamp {
	g := uint64(p.granularity)
	return pcommon.Timestamp(uint64(ts) / g * g)
}

// standardSeverity: the severity number is in the spec's range and the text is
// empty or one of the spec's short names (TRACE … FATAL4). Anything else could
// carry data.
func standardSeverity(lr plog.LogRecord) bool {
	n := lr.SeverityNumber()
	if n < plog.SeverityNumberUnspecified || n > plog.SeverityNumberFatal4 {
		return false
	}
	t := lr.SeverityText()
	if t == "" {
		return true
	}
	_, ok := severityTexts[t]
	return ok
}

var severityTexts = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, base := range []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"} {
		m[base] = struct{}{}
		for _, n := range []string{"2", "3", "4"} {
			m[base+n] = struct{}{}
		}
	}
	return m
}()

// Check reports the first way a record does not conform to the policy, or
// None. It evaluates the same rules as Apply without changing anything.
func (p *Policy) Check(res pcommon.Resource, scope pcommon.InstrumentationScope, lr plog.LogRecord) Violation {
	keys := p.dayKeys()
	if v := p.checkResource(res, keys); v != None {
		return v
	}
	if !scopeClear(scope) {
		return ViolationScope
	}
	return p.checkRecord(lr, keys)
}

func (p *Policy) checkResource(res pcommon.Resource, keys *dayKeys) Violation {
	attrs := res.Attributes()
	if v, ok := attrs.Get(VersionAttribute); !ok || v.Type() != pcommon.ValueTypeStr || v.Str() != p.version {
		return ViolationPolicy
	}
	if res.DroppedAttributesCount() != 0 {
		return ViolationResource
	}
	if !p.attrsConform(attrs, p.resourceRule, keys) {
		return ViolationResource
	}
	return None
}

func scopeClear(s pcommon.InstrumentationScope) bool {
	return s.Name() == "" && s.Version() == "" && s.Attributes().Len() == 0 && s.DroppedAttributesCount() == 0
}

func (p *Policy) checkRecord(lr plog.LogRecord, keys *dayKeys) Violation {
	ev, _ := p.event(lr)
	switch {
	case ev == nil:
		return ViolationEvent
	case lr.Body().Type() != pcommon.ValueTypeEmpty:
		return ViolationBody
	case !lr.TraceID().IsEmpty() || !lr.SpanID().IsEmpty() || lr.Flags() != 0:
		return ViolationTraceContext
	case !standardSeverity(lr):
		return ViolationSeverity
	case p.truncate(lr.Timestamp()) != lr.Timestamp() || p.truncate(lr.ObservedTimestamp()) != lr.ObservedTimestamp():
		return ViolationTimestamp
	case lr.DroppedAttributesCount() != 0 || !p.attrsConform(lr.Attributes(), ev.lookup, keys):
		return ViolationAttribute
	}
	for _, r := range ev.conditional {
		if _, ok := lr.Attributes().Get(r.key); ok && !conditionHolds(r, lr.Attributes()) {
			return ViolationAttribute
		}
	}
	return None
}

// Guard removes from ld, in place, every record that does not conform, and
// prunes emptied scopes and resources. It is the exporter's last line of
// defense against a pipeline that skipped or misconfigured minimize.
func (p *Policy) Guard(ld plog.Logs) GuardStats {
	var gs GuardStats
	keys := p.dayKeys()
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		resV := p.checkResource(rl.Resource(), keys)
		if resV == None && rl.SchemaUrl() != "" {
			resV = ViolationResource
		}
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			scopeV := resV
			if scopeV == None && (!scopeClear(sl.Scope()) || sl.SchemaUrl() != "") {
				scopeV = ViolationScope
			}
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				v := scopeV
				if v == None {
					v = p.checkRecord(lr, keys)
				}
				if v != None {
					gs.Dropped[v]++
					return true
				}
				gs.Passed++
				return false
			})
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
	return gs
}
