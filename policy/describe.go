package policy

import "time"

// Description is a compiled policy as plain data: what the data inventory,
// the client code generator and the review tools read. It is a copy; changing
// it changes nothing in the policy.
type Description struct {
	Version string
	// Clauses maps a clause id to the privacy-policy clause it names.
	Clauses              map[string]string
	TimestampGranularity time.Duration
	MaxEventAge          time.Duration
	MaxClockSkew         time.Duration
	// Resource lists the resource attributes kept from input (the stamp,
	// VersionAttribute, is written by the collector and not listed).
	Resource []AttributeInfo
	Events   []EventInfo // sorted by name
}

// EventInfo describes one event the policy allows.
type EventInfo struct {
	Name        string
	Clause      string
	Description string
	Attributes  []AttributeInfo // sorted by key; prefix rules after named attributes
}

// AttributeInfo describes one attribute rule.
type AttributeInfo struct {
	// Key is the attribute key, or the key prefix when Prefix is set.
	Key    string
	Prefix bool
	// Type is string, bool, int, double or url.
	Type string
	// Enum is the closed set of allowed values (sorted); nil when open.
	Enum []string
	// Names is a prefix rule's closed set of names after the prefix (sorted);
	// nil when any name matching NamePattern is allowed.
	Names        []string
	Pattern      string
	NamePattern  string
	MaxLength    int
	Pseudonymize bool
	// Detectors are the value scanners that run on it; DetectorAction is
	// drop or mask.
	Detectors      []string
	DetectorAction string
	// When: kept only when each named attribute has one of the listed values.
	When        map[string][]string
	Clause      string
	Description string
}

// Describe returns the policy as data.
func (p *Policy) Describe() Description {
	d := Description{
		Version:              p.version,
		Clauses:              make(map[string]string, len(p.clauses)),
		TimestampGranularity: p.granularity,
		MaxEventAge:          p.maxAge,
		MaxClockSkew:         p.maxSkew,
	}
	for k, v := range p.clauses {
		d.Clauses[k] = v
	}
	for _, k := range sortedKeys(p.resource) {
		d.Resource = append(d.Resource, describeAttr(p.resource[k], false))
	}
	for _, name := range sortedKeys(p.events) {
		ev := p.events[name]
		e := EventInfo{Name: name, Clause: ev.clause, Description: ev.description}
		for _, k := range sortedKeys(ev.attrs) {
			e.Attributes = append(e.Attributes, describeAttr(ev.attrs[k], false))
		}
		for _, r := range ev.prefixes {
			e.Attributes = append(e.Attributes, describeAttr(r, true))
		}
		d.Events = append(d.Events, e)
	}
	return d
}

func describeAttr(r *attrRule, prefix bool) AttributeInfo {
	a := AttributeInfo{
		Key:          r.key,
		Prefix:       prefix,
		Type:         r.typ.String(),
		Pattern:      r.patternSrc,
		NamePattern:  r.nameSrc,
		MaxLength:    r.maxLen,
		Pseudonymize: r.pseudonymize,
		Clause:       r.clause,
		Description:  r.description,
	}
	if len(r.enum) > 0 {
		a.Enum = sortedKeys(r.enum)
	}
	if len(r.names) > 0 {
		a.Names = sortedKeys(r.names)
	}
	if r.scan != nil {
		a.Detectors = r.scan.Detectors()
		a.DetectorAction = "drop"
		if r.scan.Masks() {
			a.DetectorAction = "mask"
		}
	}
	if len(r.when) > 0 {
		a.When = make(map[string][]string, len(r.when))
		for k, vs := range r.when {
			a.When[k] = sortedKeys(vs)
		}
	}
	return a
}
