package policy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sbi-telemetry/otelcol-sbi/policy/pageurl"
	"github.com/sbi-telemetry/otelcol-sbi/policy/scan"
)

// spec is the YAML schema of a policy file. It is decoded strictly: an unknown
// key is an error, so a typo never silently widens or narrows the policy.
type spec struct {
	Version              string               `yaml:"version"`
	Clauses              map[string]string    `yaml:"clauses"`
	TimestampGranularity string               `yaml:"timestamp_granularity"`
	MaxEventAge          string               `yaml:"max_event_age"`
	MaxClockSkew         string               `yaml:"max_clock_skew"`
	URL                  pageurl.Spec         `yaml:"url"`
	Pseudonymization     pseudonymSpec        `yaml:"pseudonymization"`
	Resource             resourceSpec         `yaml:"resource"`
	Events               map[string]eventSpec `yaml:"events"`
}

type pseudonymSpec struct {
	// KeyEnv names the environment variable holding the HMAC master key.
	KeyEnv string `yaml:"key_env"`
}

type resourceSpec struct {
	Attributes map[string]attrSpec `yaml:"attributes"`
}

type eventSpec struct {
	Clause            string              `yaml:"clause"`
	Description       string              `yaml:"description"`
	Attributes        map[string]attrSpec `yaml:"attributes"`
	AttributePrefixes map[string]attrSpec `yaml:"attribute_prefixes"`
}

type attrSpec struct {
	Type         string              `yaml:"type"`
	Enum         []string            `yaml:"enum"`
	Pattern      string              `yaml:"pattern"`
	MaxLength    int                 `yaml:"max_length"`
	NamePattern  string              `yaml:"name_pattern"`
	Names        []string            `yaml:"names"`
	When         map[string][]string `yaml:"when"`
	Pseudonymize bool                `yaml:"pseudonymize"`
	Scan         *scan.Spec          `yaml:"scan"`
	Clause       string              `yaml:"clause"`
	Description  string              `yaml:"description"`
}

// Parse compiles a policy document. source names it in errors (a file path, or
// "inline"/"seed"). Every error names the source, the rule and the problem.
func Parse(data []byte, source string) (*Policy, error) {
	return parse(data, source, os.Getenv, time.Now)
}

func parse(data []byte, source string, getenv func(string) string, now func() time.Time) (*Policy, error) {
	var s spec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("policy %s: %w", source, err)
	}
	c := compiler{source: source, getenv: getenv}
	p := c.compile(&s)
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	p.now = now
	return p, nil
}

type compiler struct {
	source string
	getenv func(string) string
	errs   []error
}

func (c *compiler) fail(rule, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("policy %s: %s: %s", c.source, rule, fmt.Sprintf(format, args...)))
}

func (c *compiler) compile(s *spec) *Policy {
	p := &Policy{version: s.Version, clauses: s.Clauses, events: map[string]*eventRule{}}
	if s.Version == "" {
		c.fail("version", "is required (it is stamped on every exported resource)")
	}
	if len(s.Clauses) == 0 {
		c.fail("clauses", "at least one privacy-policy clause is required")
	}

	p.granularity = time.Second
	if s.TimestampGranularity != "" {
		d, err := time.ParseDuration(s.TimestampGranularity)
		switch {
		case err != nil:
			c.fail("timestamp_granularity", "%v", err)
		case d <= 0 || d > 24*time.Hour:
			c.fail("timestamp_granularity", "must be between 1ns and 24h, got %s", d)
		default:
			p.granularity = d
		}
	}

	p.maxAge = c.duration("max_event_age", s.MaxEventAge, defaultMaxEventAge, time.Minute, 90*24*time.Hour)
	p.maxSkew = c.duration("max_clock_skew", s.MaxClockSkew, defaultMaxClockSkew, 0, time.Hour)

	p.url = pageurl.Compile(&s.URL, func(rule, msg string) { c.fail(rule, "%s", msg) })

	if s.Pseudonymization.KeyEnv != "" {
		key := c.getenv(s.Pseudonymization.KeyEnv)
		if len(key) < 32 {
			c.fail("pseudonymization.key_env", "environment variable %s must hold a key of at least 32 bytes", s.Pseudonymization.KeyEnv)
		}
		p.pseudonymizer = newPseudonymizer([]byte(key))
	}

	p.resource = c.compileAttrs("resource.attributes", s.Resource.Attributes, "", p)
	p.stamp = &attrRule{key: VersionAttribute, typ: typeString, enum: map[string]struct{}{s.Version: {}}}
	p.stamp.enumIndex = newIndex(p.stamp.enum)

	if len(s.Events) == 0 {
		c.fail("events", "at least one event is required")
	}
	for _, name := range sortedKeys(s.Events) {
		es := s.Events[name]
		rule := fmt.Sprintf("events.%q", name)
		if !c.clause(rule+".clause", es.Clause, p) {
			continue
		}
		ev := &eventRule{name: name, clause: es.Clause, description: es.Description}
		ev.attrs = c.compileAttrs(rule+".attributes", es.Attributes, es.Clause, p)
		for _, prefix := range sortedKeys(es.AttributePrefixes) {
			as := es.AttributePrefixes[prefix]
			prule := fmt.Sprintf("%s.attribute_prefixes.%q", rule, prefix)
			if prefix == "" {
				c.fail(prule, "an empty prefix would allow every attribute")
				continue
			}
			if as.NamePattern == "" {
				c.fail(prule+".name_pattern", "is required: a prefix rule must constrain the rest of the key")
				continue
			}
			ar := c.compileAttr(prule, prefix, as, es.Clause, p)
			if ar == nil {
				continue
			}
			if len(as.Names) > 0 {
				ar.names = make(map[string]struct{}, len(as.Names))
				for i, n := range as.Names {
					if !ar.namePattern.MatchString(n) {
						c.fail(fmt.Sprintf("%s.names[%d]", prule, i), "%q does not match name_pattern", n)
					}
					ar.names[n] = struct{}{}
				}
				ar.nameIndex = newIndex(ar.names)
			}
			ev.prefixes = append(ev.prefixes, ar)
		}
		for _, ar := range ev.attrs {
			for k := range ar.when {
				if _, ok := ev.attrs[k]; !ok {
					c.fail(fmt.Sprintf("%s.attributes.%q.when", rule, ar.key), "refers to %q, which the event does not allow", k)
				}
			}
			if ar.when != nil {
				ev.conditional = append(ev.conditional, ar)
			}
		}
		sort.Slice(ev.conditional, func(i, j int) bool { return ev.conditional[i].key < ev.conditional[j].key })
		ev.attrIndex = newIndex(ev.attrs)
		p.events[name] = ev
	}
	for _, ar := range p.resource {
		if ar.when != nil {
			c.fail(fmt.Sprintf("resource.attributes.%q.when", ar.key), "conditions are only supported on event attributes")
		}
	}
	p.eventIndex = newIndex(p.events)
	p.resourceIndex = newIndex(p.resource)
	if _, ok := p.resource[VersionAttribute]; ok {
		c.fail(fmt.Sprintf("resource.attributes.%q", VersionAttribute), "is stamped by the collector and cannot be allowed from input")
	}
	return p
}

// Defaults for the event-time bounds: an offline client may hold events for
// days (its queue survives browser restarts); a clock minutes ahead is common.
const (
	defaultMaxEventAge  = 72 * time.Hour
	defaultMaxClockSkew = 5 * time.Minute
)

// duration parses an optional duration key within [lo, hi].
func (c *compiler) duration(rule, v string, def, lo, hi time.Duration) time.Duration {
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		c.fail(rule, "%v", err)
	case d < lo || d > hi:
		c.fail(rule, "must be between %s and %s, got %s", lo, hi, d)
	default:
		return d
	}
	return def
}

func (c *compiler) clause(rule, name string, p *Policy) bool {
	if name == "" {
		c.fail(rule, "every rule must name the privacy-policy clause it serves")
		return false
	}
	if _, ok := p.clauses[name]; !ok {
		c.fail(rule, "unknown clause %q (declare it under clauses)", name)
		return false
	}
	return true
}

func (c *compiler) compileAttrs(rule string, specs map[string]attrSpec, clause string, p *Policy) map[string]*attrRule {
	out := make(map[string]*attrRule, len(specs))
	for _, key := range sortedKeys(specs) {
		r := fmt.Sprintf("%s.%q", rule, key)
		if strings.HasPrefix(key, "privacy.") {
			c.fail(r, "privacy.* attributes are reserved for the collector and never taken from input")
			continue
		}
		if ar := c.compileAttr(r, key, specs[key], clause, p); ar != nil {
			out[key] = ar
		}
	}
	return out
}

func (c *compiler) compileAttr(rule, key string, s attrSpec, clause string, p *Policy) *attrRule {
	if s.Clause != "" {
		clause = s.Clause
	}
	if !c.clause(rule+".clause", clause, p) {
		return nil
	}
	ar := &attrRule{key: key, clause: clause, description: s.Description, maxLen: s.MaxLength}
	switch s.Type {
	case "string":
		ar.typ = typeString
	case "bool":
		ar.typ = typeBool
	case "int":
		ar.typ = typeInt
	case "double":
		ar.typ = typeDouble
	case "url":
		ar.typ = typeURL
	case "":
		c.fail(rule+".type", "is required (string, bool, int, double or url)")
		return nil
	default:
		c.fail(rule+".type", "unknown type %q (want string, bool, int, double or url)", s.Type)
		return nil
	}
	if len(s.Names) > 0 && s.NamePattern == "" {
		c.fail(rule+".names", "applies to attribute_prefixes only (a closed set of names after the prefix)")
		return nil
	}
	stringish := ar.typ == typeString || ar.typ == typeURL
	if !stringish && (len(s.Enum) > 0 || s.Pattern != "" || s.MaxLength != 0 || s.Pseudonymize || s.Scan != nil) {
		c.fail(rule, "enum, pattern, max_length, pseudonymize and scan apply to string attributes only")
		return nil
	}
	if s.MaxLength < 0 {
		c.fail(rule+".max_length", "must not be negative")
	}
	if len(s.Enum) > 0 {
		ar.enum = make(map[string]struct{}, len(s.Enum))
		for _, v := range s.Enum {
			ar.enum[v] = struct{}{}
		}
		ar.enumIndex = newIndex(ar.enum)
	}
	if s.Pattern != "" {
		m, _, err := compileMatcher(s.Pattern)
		if err != nil {
			c.fail(rule+".pattern", "%v", err)
			return nil
		}
		ar.pattern, ar.patternSrc = m, s.Pattern
	}
	if s.NamePattern != "" {
		m, _, err := compileMatcher(s.NamePattern)
		if err != nil {
			c.fail(rule+".name_pattern", "%v", err)
			return nil
		}
		ar.namePattern, ar.nameSrc = m, s.NamePattern
	}
	if len(s.When) > 0 {
		ar.when = make(map[string]map[string]struct{}, len(s.When))
		for k, vs := range s.When {
			if len(vs) == 0 {
				c.fail(rule+".when", "%q needs at least one value", k)
			}
			set := make(map[string]struct{}, len(vs))
			for _, v := range vs {
				set[v] = struct{}{}
			}
			ar.when[k] = set
		}
	}
	if s.Pseudonymize {
		if ar.typ != typeString {
			c.fail(rule+".pseudonymize", "only string attributes can be pseudonymized")
		}
		if p.pseudonymizer == nil {
			c.fail(rule+".pseudonymize", "needs pseudonymization.key_env to name the key's environment variable")
		}
		ar.pseudonymize = true
	}
	if s.Scan != nil {
		sc, err := scan.Compile(s.Scan)
		if err != nil {
			c.fail(rule+".scan", "%v", err)
			return nil
		}
		ar.scan = sc
	}
	return ar
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
