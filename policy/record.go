package policy

import (
	"math"
	"math/bits"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/encoding/protowire"
)

// A pass is one Apply, Check or Guard call: the clock and pseudonym keys it
// reads once, the stats it counts into (nil in Check mode) and its scratch.
type pass struct {
	p     *Policy
	now   pcommon.Timestamp
	keys  *dayKeys
	st    *Stats
	canon canonRecord
	// inPlace: Apply's shortcut for attributes. canonAttrs removes what it
	// drops and rewrites what it replaces in the map it reads, in the same
	// pass, so the map holds the canonical attributes when it returns.
	inPlace bool

	// Scratch wrappers a resource or scope is moved into to measure its wire
	// size (pdata sizes only whole messages of these kinds).
	sizeRL plog.ResourceLogs
	sizeSL plog.ScopeLogs

	// Apply's output resources: built[i]'s canonical attributes are
	// builtAttrs[built[i].from:built[i].to].
	built      []builtResource
	builtAttrs []canonAttr
}

// Passes are pooled: their scratch (the canonical attribute lists, the
// wrappers, the output resource table) is reused instead of allocated per
// batch. release clears every reference to data before a pass goes back.
var passes = sync.Pool{New: func() any { return new(pass) }}

func (p *Policy) newPass(st *Stats) *pass {
	ps := passes.Get().(*pass)
	ps.p, ps.now, ps.keys, ps.st = p, pcommon.NewTimestampFromTime(p.now()), p.dayKeys(), st
	return ps
}

func (ps *pass) release() {
	clear(ps.canon.attrs[:cap(ps.canon.attrs)])
	ps.canon = canonRecord{attrs: ps.canon.attrs[:0]}
	clear(ps.built)
	ps.built = ps.built[:0]
	clear(ps.builtAttrs[:cap(ps.builtAttrs)])
	ps.builtAttrs = ps.builtAttrs[:0]
	ps.p, ps.keys, ps.st, ps.inPlace = nil, nil, nil, false
	passes.Put(ps)
}

// canonRecord holds the canonical (minimized) value of every field the
// policy names, computed from an input record: what Apply writes into the
// record it builds and what Check compares against.
type canonRecord struct {
	event    string
	time     pcommon.Timestamp
	observed pcommon.Timestamp
	sevNum   plog.SeverityNumber
	sevText  string
	attrs    []canonAttr
	changed  uint8 // bit i: recordFields[i] differs from the input's
}

// canonAttr is a kept attribute, its value copied out of the input so the
// input record can be reset before the attribute is written back.
type canonAttr struct {
	key string
	str string
	num int64 // an int, a bool as 0/1, or a double's bits
	src int32 // index in the input map (after Apply's in-place removals); -1: added (the stamp)
	typ pcommon.ValueType
}

func findAttr(attrs []canonAttr, key string) *canonAttr {
	for i := range attrs {
		if attrs[i].key == key {
			return &attrs[i]
		}
	}
	return nil
}

// A recordField is one LogRecord field the policy names. This table is the
// only place a record's fields are listed: canon computes the field's
// minimized value from the input and reports whether it differs from the
// input's, write puts it into a record (an empty one, or the input itself on
// Apply's shortcut), size is its protobuf wire size. Check requires every
// field to be unchanged and the record's wire size to be exactly the sum of
// theirs, so a field missing from this table cannot pass, and Apply emits
// only records Check accepts.
type recordField struct {
	name      string
	violation Violation
	canon     func(ps *pass, ev *eventRule, lr plog.LogRecord, c *canonRecord) (changed bool)
	write     func(c *canonRecord, lr plog.LogRecord)
	size      func(c *canonRecord) int
}

// attributesField is the index of the attributes in recordFields.
const attributesField = len(recordFields) - 1

var recordFields = [...]recordField{
	{
		name: "event_name", violation: ViolationEvent,
		canon: func(_ *pass, ev *eventRule, lr plog.LogRecord, c *canonRecord) bool {
			c.event = ev.name
			return lr.EventName() != c.event
		},
		write: func(c *canonRecord, lr plog.LogRecord) { lr.SetEventName(c.event) },
		size:  func(c *canonRecord) int { return sizeString(c.event) },
	},
	{
		// The time of receipt (the receiver sets it); one outside the policy's
		// bounds around this pass's clock is replaced by the clock.
		name: "observed_time", violation: ViolationTimestamp,
		canon: func(ps *pass, _ *eventRule, lr plog.LogRecord, c *canonRecord) bool {
			o := lr.ObservedTimestamp()
			if !ps.p.inBounds(o, ps.now) {
				o = ps.now
				ps.count(SanitizedTime)
			}
			c.observed = ps.p.truncate(o)
			return lr.ObservedTimestamp() != c.observed
		},
		write: func(c *canonRecord, lr plog.LogRecord) { lr.SetObservedTimestamp(c.observed) },
		size:  func(c *canonRecord) int { return sizeFixed64(uint64(c.observed)) },
	},
	{
		// The client's clock: kept (truncated) only within the bounds around
		// the time of receipt, so it can carry no value a client picks freely.
		// Runs after observed_time, whose canonical value it is bounded by.
		name: "time", violation: ViolationTimestamp,
		canon: func(ps *pass, _ *eventRule, lr plog.LogRecord, c *canonRecord) bool {
			// No time (0) stays so; a time from 1970 that truncates to 0 is out
			// of bounds like any other.
			t := ps.p.truncate(lr.Timestamp())
			if lr.Timestamp() != 0 && !ps.p.inBounds(t, c.observed) {
				t = c.observed
				ps.count(SanitizedTime)
			}
			c.time = t
			return lr.Timestamp() != c.time
		},
		write: func(c *canonRecord, lr plog.LogRecord) { lr.SetTimestamp(c.time) },
		size:  func(c *canonRecord) int { return sizeFixed64(uint64(c.time)) },
	},
	{
		name: "severity_number", violation: ViolationSeverity,
		canon: func(_ *pass, _ *eventRule, lr plog.LogRecord, c *canonRecord) bool {
			c.sevNum = lr.SeverityNumber()
			if c.sevNum < plog.SeverityNumberUnspecified || c.sevNum > plog.SeverityNumberFatal4 {
				c.sevNum = plog.SeverityNumberUnspecified
			}
			return lr.SeverityNumber() != c.sevNum
		},
		write: func(c *canonRecord, lr plog.LogRecord) { lr.SetSeverityNumber(c.sevNum) },
		size: func(c *canonRecord) int {
			if c.sevNum == 0 {
				return 0
			}
			return 1 + protowire.SizeVarint(uint64(c.sevNum))
		},
	},
	{
		// Only the spec's short names (TRACE … FATAL4): free text could carry anything.
		name: "severity_text", violation: ViolationSeverity,
		canon: func(_ *pass, _ *eventRule, lr plog.LogRecord, c *canonRecord) bool {
			c.sevText = ""
			if _, ok := severityTexts[lr.SeverityText()]; ok {
				c.sevText = lr.SeverityText()
			}
			return lr.SeverityText() != c.sevText
		},
		write: func(c *canonRecord, lr plog.LogRecord) { lr.SetSeverityText(c.sevText) },
		size:  func(c *canonRecord) int { return sizeString(c.sevText) },
	},
	{
		name: "attributes", violation: ViolationAttribute,
		// The kept attributes are a subsequence of the input's: unchanged when
		// none is dropped and no value is rewritten.
		canon: func(ps *pass, ev *eventRule, lr plog.LogRecord, c *canonRecord) bool {
			n := lr.Attributes().Len()
			var rewritten bool
			c.attrs, rewritten = ps.canonAttrs(c.attrs[:0], lr.Attributes(), ev.lookup)
			c.attrs = ps.applyConditions(ev, c.attrs, lr.Attributes())
			return rewritten || len(c.attrs) != n
		},
		write: func(c *canonRecord, lr plog.LogRecord) { syncAttrs(c.attrs, lr.Attributes()) },
		size:  func(c *canonRecord) int { return sizeAttrs(c.attrs) },
	},
}

// sizer measures wire sizes; it holds no state.
var sizer = &plog.ProtoMarshaler{}

// emptyRecordSize is the wire size of a record with no field set: pdata
// always writes the body, trace id and span id (empty) of a record.
var emptyRecordSize = sizer.LogRecordSize(plog.NewLogRecord())

var emptyRecord = plog.NewLogRecord()

// canonicalize fills ps.canon from lr, field by field.
func (ps *pass) canonicalize(ev *eventRule, lr plog.LogRecord) *canonRecord {
	c := &ps.canon
	c.changed = 0
	for i := range recordFields {
		if recordFields[i].canon(ps, ev, lr, c) {
			c.changed |= 1 << i
		}
	}
	return c
}

// size is the wire size of the canonical record.
func (c *canonRecord) size() int {
	n := emptyRecordSize
	for i := range recordFields {
		n += recordFields[i].size(c)
	}
	return n
}

// conforms compares lr with its canonical form: each named field, then the
// wire size, which exceeds the canonical size exactly when lr carries
// something no field of the table names.
func conforms(c *canonRecord, lr plog.LogRecord) Violation {
	if c.changed != 0 {
		return recordFields[bits.TrailingZeros8(c.changed)].violation
	}
	if sizer.LogRecordSize(lr) != c.size() {
		return ViolationUnnamedField
	}
	return None
}

// applyRecord turns lr into its canonical record: the named fields' canonical
// values and nothing else. The canonical record is built in an empty record
// unless a shortcut provably gives the same bytes: the fields that differ
// are written into lr in place and the fields today's pdata has besides the
// named ones are cleared; if lr's wire size is then the canonical record's,
// lr is the canonical record (every named field equal, nothing else set) and
// stays. Anything else, a field nobody named included, takes the build from
// empty. The shortcut saves rebuilding every attribute of every record (raw
// input is never canonical: client times are finer than the granularity).
func (ps *pass) applyRecord(ev *eventRule, lr plog.LogRecord) {
	ps.inPlace = true
	c := ps.canonicalize(ev, lr)
	ps.inPlace = false
	for i := range recordFields {
		if c.changed&(1<<i) != 0 && i != attributesField { // the attributes are canonical in place
			recordFields[i].write(c, lr)
		}
	}
	clearKnownUnnamed(lr)
	if sizer.LogRecordSize(lr) == c.size() {
		return
	}
	emptyRecord.CopyTo(lr)
	writeRecord(c, lr)
}

func writeRecord(c *canonRecord, lr plog.LogRecord) {
	for i := range recordFields {
		recordFields[i].write(c, lr)
	}
}

// clearKnownUnnamed clears the record fields pdata v1.71 has that the table
// does not name. It only makes Apply's shortcut succeed more often; what it
// misses, the wire-size check catches.
func clearKnownUnnamed(lr plog.LogRecord) {
	if lr.Body().Type() != pcommon.ValueTypeEmpty {
		emptyRecord.Body().CopyTo(lr.Body())
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
	if lr.DroppedAttributesCount() != 0 {
		lr.SetDroppedAttributesCount(0)
	}
}

func (ps *pass) checkRecord(lr plog.LogRecord) Violation {
	ev, _ := ps.p.event(lr)
	if ev == nil {
		return ViolationEvent
	}
	return conforms(ps.canonicalize(ev, lr), lr)
}

// canonAttrs appends to dst the attributes of attrs that the rules keep, in
// input order, each in its minimized form; a repeated key keeps its first
// kept value (a second value is a second, unchecked channel).
func (ps *pass) canonAttrs(dst []canonAttr, attrs pcommon.Map, lookup func(string) (*attrRule, AttrReason)) (_ []canonAttr, rewritten bool) {
	kept := 0
	visit := func(k string, v pcommon.Value) (remove bool) {
		r, reason := lookup(k)
		if r == nil {
			ps.dropAttr(reason)
			return true
		}
		o, repl, reason, kind := ps.p.eval(r, v, ps.keys)
		if o == drop {
			ps.dropAttr(reason)
			return true
		}
		if findAttr(dst, k) != nil {
			ps.dropAttr(AttrDuplicate)
			return true
		}
		dst = append(dst, canonAttr{src: int32(kept), key: k, typ: v.Type()})
		a := &dst[len(dst)-1]
		switch a.typ {
		case pcommon.ValueTypeStr:
			a.str = v.Str()
		case pcommon.ValueTypeBool:
			if v.Bool() {
				a.num = 1
			}
		case pcommon.ValueTypeInt:
			a.num = v.Int()
		case pcommon.ValueTypeDouble:
			a.num = int64(math.Float64bits(v.Double()))
		}
		if o == replace {
			a.str = repl
			rewritten = true
			ps.count(kind)
			if ps.inPlace {
				v.SetStr(repl)
			}
		}
		kept++
		return false
	}
	if ps.inPlace {
		attrs.RemoveIf(visit)
		return dst, rewritten
	}
	src := 0
	attrs.Range(func(k string, v pcommon.Value) bool {
		kept = src // without removal, the source index is the input index
		visit(k, v)
		src++
		return true
	})
	return dst, rewritten
}

// applyConditions drops attributes whose `when` condition does not hold.
// In place, the attribute leaves m too, and the source indices after it
// move up by one.
func (ps *pass) applyConditions(ev *eventRule, attrs []canonAttr, m pcommon.Map) []canonAttr {
	for _, r := range ev.conditional {
		i := findIndex(attrs, r.key)
		if i < 0 || conditionHolds(r, attrs) {
			continue
		}
		attrs = append(attrs[:i], attrs[i+1:]...)
		ps.dropAttr(AttrCondition)
		if ps.inPlace {
			m.Remove(r.key)
			for j := i; j < len(attrs); j++ {
				attrs[j].src--
			}
		}
	}
	return attrs
}

func findIndex(attrs []canonAttr, key string) int {
	for i := range attrs {
		if attrs[i].key == key {
			return i
		}
	}
	return -1
}

// syncAttrs makes m hold exactly attrs, in order: entries of m that are not
// the source of an attribute in attrs are removed, kept ones get their
// canonical value, and attributes m lacks (all of them in an empty map, the
// stamp on a resource) are appended.
func syncAttrs(attrs []canonAttr, m pcommon.Map) {
	i, j := -1, 0
	m.RemoveIf(func(_ string, v pcommon.Value) bool {
		i++
		if j == len(attrs) || int(attrs[j].src) != i {
			return true
		}
		a := &attrs[j]
		j++
		if a.typ == pcommon.ValueTypeStr && v.Str() != a.str {
			v.SetStr(a.str)
		}
		return false
	})
	if j == len(attrs) {
		return
	}
	m.EnsureCapacity(len(attrs))
	for ; j < len(attrs); j++ {
		a := &attrs[j]
		switch a.typ {
		case pcommon.ValueTypeStr:
			m.PutStr(a.key, a.str)
		case pcommon.ValueTypeBool:
			m.PutBool(a.key, a.num != 0)
		case pcommon.ValueTypeInt:
			m.PutInt(a.key, a.num)
		case pcommon.ValueTypeDouble:
			m.PutDouble(a.key, math.Float64frombits(uint64(a.num)))
		}
	}
}

// Resources. The canonical resource is the allowed attributes in input
// order and the policy stamp (where it was, else last); nothing else.

func (ps *pass) canonResource(res pcommon.Resource) []canonAttr {
	attrs, _ := ps.canonAttrs(ps.canon.attrs[:0], res.Attributes(), ps.p.resourceRule)
	if findAttr(attrs, VersionAttribute) == nil {
		attrs = append(attrs, canonAttr{src: -1, key: VersionAttribute, typ: pcommon.ValueTypeStr, str: ps.p.version})
	}
	ps.canon.attrs = attrs
	return attrs
}

// resourceRule finds the rule of a resource attribute. The stamp's rule
// admits exactly this policy's version: a stamp Apply wrote stays (counted
// as nothing), any other value is dropped and the stamp written anew.
func (p *Policy) resourceRule(k string) (*attrRule, AttrReason) {
	if k == VersionAttribute {
		return p.stamp, 0
	}
	if r, ok := p.resourceIndex.get(k); ok {
		return r, 0
	}
	return nil, AttrNotAllowed
}

// applyResource puts attrs, the canonical form of res, into out, a new
// resource: res itself with its attributes made canonical when that leaves
// nothing else (its wire size proves it), else built in an empty resource.
func (ps *pass) applyResource(res, out pcommon.Resource, attrs []canonAttr) {
	res.MoveTo(out)
	syncAttrs(attrs, out.Attributes())
	if out.DroppedAttributesCount() != 0 {
		out.SetDroppedAttributesCount(0)
	}
	if ps.resourceSizeIs(out, sizeAttrs(attrs)) {
		return
	}
	pcommon.NewResource().MoveTo(out)
	syncAttrs(attrs, out.Attributes())
}

func (ps *pass) checkResource(res pcommon.Resource) Violation {
	if v, ok := res.Attributes().Get(VersionAttribute); !ok || v.Type() != pcommon.ValueTypeStr || v.Str() != ps.p.version {
		return ViolationPolicy
	}
	attrs, rewritten := ps.canonAttrs(ps.canon.attrs[:0], res.Attributes(), ps.p.resourceRule)
	ps.canon.attrs = attrs
	if rewritten || len(attrs) != res.Attributes().Len() {
		return ViolationResource
	}
	if !ps.resourceSizeIs(res, sizeAttrs(attrs)) {
		return ViolationUnnamedField
	}
	return None
}

// resourceSizeIs reports whether res's wire size is size: res is moved into
// an otherwise empty ResourceLogs, measured, and moved back (pdata measures
// only whole ResourceLogs; a resource field is written even when empty).
func (ps *pass) resourceSizeIs(res pcommon.Resource, size int) bool {
	ps.scratch()
	res.MoveTo(ps.sizeRL.Resource())
	n := sizer.ResourceLogsSize(ps.sizeRL)
	ps.sizeRL.Resource().MoveTo(res)
	return n == emptyResourceLogsSize-sizeLen(0)+sizeLen(size)
}

func (ps *pass) scratch() {
	if ps.sizeRL == (plog.ResourceLogs{}) {
		ps.sizeRL = plog.NewResourceLogs()
		ps.sizeSL = plog.NewScopeLogs()
	}
}

// scopeEmpty: the canonical scope is empty; one with any field set is
// larger on the wire than an empty one.
func (ps *pass) scopeEmpty(s pcommon.InstrumentationScope) bool {
	ps.scratch()
	s.MoveTo(ps.sizeSL.Scope())
	n := sizer.ScopeLogsSize(ps.sizeSL)
	ps.sizeSL.Scope().MoveTo(s)
	return n == emptyScopeLogsSize
}

var (
	emptyResourceLogsSize = sizer.ResourceLogsSize(plog.NewResourceLogs())
	emptyScopeLogsSize    = sizer.ScopeLogsSize(plog.NewScopeLogs())
)

// Wire sizes, as pdata's marshaler computes them (TestCanonicalSizes checks
// them against plog.ProtoMarshaler on built records and resources).

func sizeLen(l int) int { return 1 + protowire.SizeVarint(uint64(l)) + l }

func sizeString(s string) int {
	if s == "" {
		return 0
	}
	return sizeLen(len(s))
}

func sizeFixed64(v uint64) int {
	if v == 0 {
		return 0
	}
	return 9
}

func sizeAttrs(attrs []canonAttr) int {
	n := 0
	for i := range attrs {
		a := &attrs[i]
		var val int
		switch a.typ {
		case pcommon.ValueTypeStr:
			val = sizeLen(len(a.str))
		case pcommon.ValueTypeBool:
			val = 2
		case pcommon.ValueTypeInt:
			val = 1 + protowire.SizeVarint(uint64(a.num))
		case pcommon.ValueTypeDouble:
			val = 9
		}
		n += sizeLen(sizeString(a.key) + sizeLen(val))
	}
	return n
}

// Time.

func (p *Policy) truncate(ts pcommon.Timestamp) pcommon.Timestamp {
	g := uint64(p.granularity)
	return pcommon.Timestamp(uint64(ts) / g * g)
}

// inBounds: t is no later than ref plus the allowed skew and no older than
// ref minus the maximum event age.
func (p *Policy) inBounds(t, ref pcommon.Timestamp) bool {
	return t != 0 && t <= ref+pcommon.Timestamp(p.maxSkew) &&
		uint64(t)+uint64(p.maxAge) >= uint64(ref)
}

var severityTexts = func() map[string]struct{} {
	m := map[string]struct{}{"": {}}
	for _, base := range []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"} {
		m[base] = struct{}{}
		for _, n := range []string{"2", "3", "4"} {
			m[base+n] = struct{}{}
		}
	}
	return m
}()

// Stats.

func (ps *pass) dropAttr(r AttrReason) {
	if ps.st != nil {
		ps.st.AttributesDropped[r]++
	}
}

func (ps *pass) count(k SanitizeKind) {
	if ps.st != nil {
		ps.st.ValuesSanitized[k]++
	}
}
