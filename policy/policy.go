// Package policy is the privacy policy of the Search by Image extension as
// code: a policy file compiled once into an evaluator with two modes that
// share every rule. Apply minimizes logs (the minimize processor); Check and
// Guard verify that records are already minimized (the egress exporter's
// guard).
//
// Fail-closed by construction: Apply builds each output resource, scope and
// record from what the policy names (the fields of record.go's table, the
// named attributes, the stamp), never by removing what it recognizes from the
// input; Check compares a record with the one Apply would build, field by
// field and then by wire size, so a field nobody named (a future OTLP field
// included) fails both modes.
package policy

import (
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/config"
	"github.com/sbi-telemetry/otelcol-sbi/policy/pageurl"
	"github.com/sbi-telemetry/otelcol-sbi/policy/scan"
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
	names        map[string]struct{} // a prefix rule's closed vocabulary of names; nil: any matching name_pattern
	nameIndex    index[struct{}]
	maxLen       int
	when         map[string]map[string]struct{}
	pseudonymize bool
	scan         *scan.Rule
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

// lookup finds the rule of an event attribute, or why there is none.
func (e *eventRule) lookup(key string) (*attrRule, AttrReason) {
	if r, ok := e.attrIndex.get(key); ok {
		return r, 0
	}
	for _, r := range e.prefixes {
		if !strings.HasPrefix(key, r.key) {
			continue
		}
		name := key[len(r.key):]
		if !r.namePattern.MatchString(name) {
			continue
		}
		if !r.nameIndex.empty() {
			if _, ok := r.nameIndex.get(name); !ok {
				return nil, AttrVocabulary
			}
		}
		return r, 0
	}
	return nil, AttrNotAllowed
}

// Policy is a compiled policy. It is immutable and safe for concurrent use.
type Policy struct {
	version       string
	clauses       map[string]string
	granularity   time.Duration
	maxAge        time.Duration // event times older than this before receipt are replaced
	maxSkew       time.Duration // event times later than receipt by more than this are replaced
	url           *pageurl.Generalizer
	pseudonymizer *pseudonymizer
	resource      map[string]*attrRule
	resourceIndex index[*attrRule]
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
		found, masked := r.scan.Scan(s)
		if found {
			if !r.scan.Masks() {
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
			return drop, "", AttrVocabulary, 0
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

// conditionHolds reports whether every `when` attribute of r is among the
// record's kept attributes with one of its listed string values.
func conditionHolds(r *attrRule, kept []canonAttr) bool {
	for k, allowed := range r.when {
		a := findAttr(kept, k)
		if a == nil || a.typ != pcommon.ValueTypeStr {
			return false
		}
		if _, ok := allowed[a.str]; !ok {
			return false
		}
	}
	return true
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

// Apply minimizes ld in place. Its new content is built: one resource per
// distinct minimized resource, holding only the allowed resource attributes
// and the policy stamp; one empty scope; and each record of a named event
// rebuilt from its named fields (record.go). Records of other events, and
// every field, attribute, scope and schema URL nothing names, are gone.
//
// Records whose resources minimize to the same attributes share one output
// resource: which records came from the same client is not data the policy
// names (it would link one client's events), and fewer resources cost less.
func (p *Policy) Apply(ld plog.Logs) Stats {
	var st Stats
	ps := p.newPass(&st)
	defer ps.release()
	rls := ld.ResourceLogs()
	out := plog.NewResourceLogsSlice()
	for _, rl := range rls.All() {
		var osl plog.ScopeLogs
		started := false
		for _, sl := range rl.ScopeLogs().All() {
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				st.RecordsIn++
				ev, reason := p.event(lr)
				if ev == nil {
					st.RecordsDropped[reason]++
					return true
				}
				ps.applyRecord(ev, lr)
				return false
			})
			if sl.LogRecords().Len() == 0 {
				continue
			}
			if !started {
				attrs := ps.canonResource(rl.Resource())
				i := ps.findResource(attrs)
				if i < 0 {
					orl := out.AppendEmpty()
					ps.applyResource(rl.Resource(), orl.Resource(), attrs)
					i = len(ps.built)
					from := len(ps.builtAttrs)
					ps.builtAttrs = append(ps.builtAttrs, attrs...)
					ps.built = append(ps.built, builtResource{from: from, to: len(ps.builtAttrs), scope: orl.ScopeLogs().AppendEmpty()})
				}
				osl = ps.built[i].scope
				started = true
			}
			sl.LogRecords().MoveAndAppendTo(osl.LogRecords())
		}
	}
	rls.RemoveIf(func(plog.ResourceLogs) bool { return true })
	out.MoveAndAppendTo(rls)
	return st
}

// builtResource is an output resource of Apply: where its canonical
// attributes are in the pass's builtAttrs, and its one scope.
type builtResource struct {
	from, to int
	scope    plog.ScopeLogs
}

func (ps *pass) findResource(attrs []canonAttr) int {
	for i, b := range ps.built {
		if sameAttrs(ps.builtAttrs[b.from:b.to], attrs) {
			return i
		}
	}
	return -1
}

func sameAttrs(a, b []canonAttr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].key != b[i].key || a[i].typ != b[i].typ || a[i].str != b[i].str || a[i].num != b[i].num {
			return false
		}
	}
	return true
}

// Check reports the first way a record does not conform to the policy, or
// None. It builds the canonical form of each part the way Apply does and
// compares, without changing anything that conforms. res, scope and lr must be
// mutable (their wire size is measured in place).
func (p *Policy) Check(res pcommon.Resource, scope pcommon.InstrumentationScope, lr plog.LogRecord) Violation {
	ps := p.newPass(nil)
	defer ps.release()
	if v := ps.checkResource(res); v != None {
		return v
	}
	if !ps.scopeEmpty(scope) {
		return ViolationScope
	}
	return ps.checkRecord(lr)
}

// Guard removes from ld, in place, every record that does not conform, and
// rebuilds the rest into fresh resources and scopes (so no wrapper field
// passes either). It is the exporter's last line of defense against a
// pipeline that skipped or misconfigured minimize.
func (p *Policy) Guard(ld plog.Logs) GuardStats {
	var gs GuardStats
	ps := p.newPass(nil)
	defer ps.release()
	rls := ld.ResourceLogs()
	out := plog.NewResourceLogsSlice()
	out.EnsureCapacity(rls.Len())
	for _, rl := range rls.All() {
		resV := ps.checkResource(rl.Resource())
		if resV == None && rl.SchemaUrl() != "" {
			resV = ViolationResource
		}
		var osl plog.ScopeLogs
		started := false
		for _, sl := range rl.ScopeLogs().All() {
			scopeV := resV
			if scopeV == None && (sl.SchemaUrl() != "" || !ps.scopeEmpty(sl.Scope())) {
				scopeV = ViolationScope
			}
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				v := scopeV
				if v == None {
					v = ps.checkRecord(lr)
				}
				if v != None {
					gs.Dropped[v]++
					return true
				}
				gs.Passed++
				return false
			})
			if sl.LogRecords().Len() == 0 {
				continue
			}
			if !started {
				orl := out.AppendEmpty()
				rl.Resource().MoveTo(orl.Resource()) // verified equal to the canonical resource
				osl = orl.ScopeLogs().AppendEmpty()
				started = true
			}
			sl.LogRecords().MoveAndAppendTo(osl.LogRecords())
		}
	}
	rls.RemoveIf(func(plog.ResourceLogs) bool { return true })
	out.MoveAndAppendTo(rls)
	return gs
}
