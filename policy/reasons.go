package policy

// The reasons below are the only label values the components' metrics and
// logs use: a fixed, small set, never an attribute key or value.

// RecordReason says why Apply dropped a whole record.
type RecordReason uint8

const (
	RecordMissingEventName RecordReason = iota // no EventName: nothing says which clause it falls under
	RecordUnknownEvent                         // an event the policy does not name
	NumRecordReasons
)

func (r RecordReason) String() string {
	return [...]string{"missing_event_name", "unknown_event"}[r]
}

// AttrReason says why Apply dropped an attribute.
type AttrReason uint8

const (
	AttrNotAllowed AttrReason = iota // the policy does not name it
	AttrWrongType                    // present with another type than the rule's (never converted)
	AttrConstraint                   // pattern or max_length not met
	AttrVocabulary                   // a value (enum) or a prefixed name outside the policy's closed vocabulary
	AttrInvalidURL                   // url that is not http(s), too long or unparseable
	AttrCondition                    // its `when` condition does not hold
	AttrDetected                     // a scanner found personal data or a secret
	AttrDuplicate                    // a second value under the same key
	NumAttrReasons
)

func (r AttrReason) String() string {
	return [...]string{"not_allowed", "wrong_type", "constraint", "vocabulary", "invalid_url", "condition", "detected", "duplicate"}[r]
}

// SanitizeKind counts values Apply rewrote rather than dropped.
type SanitizeKind uint8

const (
	SanitizedURL SanitizeKind = iota
	SanitizedPseudonym
	SanitizedMask
	SanitizedTime // an event or observed time outside the policy's bounds, replaced by the time of receipt
	NumSanitizeKinds
)

func (k SanitizeKind) String() string {
	return [...]string{"url", "pseudonym", "mask", "time"}[k]
}

// Stats counts what one Apply call did.
type Stats struct {
	RecordsIn         int
	RecordsDropped    [NumRecordReasons]int
	AttributesDropped [NumAttrReasons]int
	ValuesSanitized   [NumSanitizeKinds]int
}

// Violation is the first way a record fails Check.
type Violation uint8

const (
	None                  Violation = iota
	ViolationPolicy                 // resource lacks this policy's privacy.policy.version stamp
	ViolationResource               // a resource attribute or field the policy does not allow
	ViolationScope                  // scope name, version, attributes or schema URL set
	ViolationEvent                  // missing or unknown event name
	ViolationAttribute              // an attribute not allowed, or a value not in its minimized form
	ViolationSeverity               // non-standard severity text or number
	ViolationTimestamp              // timestamp finer than the policy's granularity or outside its bounds
	ViolationUnnamedField           // a field the policy does not name (its wire size gives it away)
	NumViolations
)

func (v Violation) String() string {
	return [...]string{"none", "policy_version", "resource", "scope", "event", "attribute", "severity", "timestamp", "unnamed_field"}[v]
}

// GuardStats counts what one Guard call kept and dropped.
type GuardStats struct {
	Passed  int
	Dropped [NumViolations]int
}

// DroppedTotal is the number of records Guard removed.
func (g GuardStats) DroppedTotal() int {
	n := 0
	for _, c := range g.Dropped {
		n += c
	}
	return n
}
