package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// direction says what a change does to what leaves the collector.
type direction uint8

const (
	widens  direction = iota // lets more out
	narrows                  // lets less out
	unknown                  // cannot be ordered automatically (a changed pattern): reviewed, and treated as widening
	neutral                  // no effect on what leaves (clause texts, purposes)
)

// A change is one difference between two policies, at one policy path.
type change struct {
	dir     direction
	subject string // policy path, e.g. events."ui.interaction".attributes."ui.control"
	text    string
}

// view is what the review tools compare: the policy as data.
type view struct {
	p *policy.Policy // nil: no policy (the zero view, before the first version)
	d policy.Description
	u policy.URLInfo
}

func viewOf(p *policy.Policy) view { return view{p: p, d: p.Describe(), u: p.DescribeURL()} }

func runDiff(args []string, stdout io.Writer) error {
	if len(args) != 2 {
		return fmt.Errorf("%w: diff takes two policy files, OLD and NEW", errUsage)
	}
	oldP, err := loadPolicyArg(args[0])
	if err != nil {
		return err
	}
	newP, err := loadPolicyArg(args[1])
	if err != nil {
		return err
	}
	old, nw := viewOf(oldP), viewOf(newP)
	changes := diffViews(old, nw)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Policy diff: `%s` → `%s`\n\n", old.d.Version, nw.d.Version)
	fmt.Fprintf(&b, "Old: `%s`; new: `%s`.\n\n", args[0], args[1])
	writeChanges(&b, changes, "##")
	if _, err := stdout.Write(b.Bytes()); err != nil {
		return err
	}
	return sameVersionError(old, nw, changes)
}

// loadPolicyArg loads a policy file, or REV:PATH (a file as committed, read
// with git show) when no file has that name: `diff main:config/policy.yaml
// config/policy.yaml` reviews the work tree against main.
func loadPolicyArg(arg string) (*policy.Policy, error) {
	rev, path, isRev := strings.Cut(arg, ":")
	if _, err := os.Stat(arg); err == nil || !isRev || rev == "" || path == "" {
		return policy.LoadFile(arg)
	}
	content, err := git("show", rev+":"+path)
	if err != nil {
		return nil, err
	}
	return policy.Parse([]byte(content), arg)
}

// sameVersionError: a change that lets more out (or may) must come with a
// new version, because the version stamped on every record is how a backend
// and a reviewer tell which rules a record passed.
func sameVersionError(old, nw view, changes []change) error {
	if old.d.Version != nw.d.Version {
		return nil
	}
	var subjects []string
	for _, c := range changes {
		if c.dir == widens || c.dir == unknown {
			subjects = append(subjects, c.subject)
		}
	}
	if len(subjects) == 0 {
		return nil
	}
	return fmt.Errorf("the new policy lets more out (%s) but keeps version %q: bump `version`",
		strings.Join(slices.Compact(subjects), ", "), nw.d.Version)
}

var sections = []struct {
	dir   direction
	title string
}{
	{widens, "Lets more out"},
	{unknown, "Changed, direction not decidable (review as letting more out)"},
	{narrows, "Lets less out"},
	{neutral, "Other changes (what leaves is the same)"},
}

// writeChanges writes the changes as Markdown sections under heading level h.
func writeChanges(b *bytes.Buffer, changes []change, h string) {
	if len(changes) == 0 {
		fmt.Fprintf(b, "No change.\n")
		return
	}
	for _, s := range sections {
		first := true
		for _, c := range changes {
			if c.dir != s.dir {
				continue
			}
			if first {
				fmt.Fprintf(b, "%s %s\n\n", h, s.title)
				first = false
			}
			fmt.Fprintf(b, "- `%s`: %s\n", c.subject, c.text)
		}
		if !first {
			b.WriteByte('\n')
		}
	}
}

// diffViews lists every difference between old and nw. A zero old (no
// previous version) makes every rule of nw a change that lets more out.
func diffViews(old, nw view) []change {
	var cs []change
	add := func(dir direction, subject, format string, args ...any) {
		cs = append(cs, change{dir, subject, fmt.Sprintf(format, args...)})
	}

	// Clauses: the privacy-policy text each rule cites.
	for _, id := range union(sortedKeys(old.d.Clauses), sortedKeys(nw.d.Clauses)) {
		o, inOld := old.d.Clauses[id]
		n, inNew := nw.d.Clauses[id]
		subject := fmt.Sprintf("clauses.%s", id)
		switch {
		case !inOld:
			add(neutral, subject, "added: %q", n)
		case !inNew:
			add(neutral, subject, "removed (was %q)", o)
		case o != n:
			add(neutral, subject, "text %q → %q", o, n)
		}
	}

	// Time.
	durations := []struct {
		key       string
		old, new  time.Duration
		smallWide bool // a smaller value lets more out
		what      string
	}{
		{"timestamp_granularity", old.d.TimestampGranularity, nw.d.TimestampGranularity, true, "finer timestamps"},
		{"max_event_age", old.d.MaxEventAge, nw.d.MaxEventAge, false, "older client event times kept"},
		{"max_clock_skew", old.d.MaxClockSkew, nw.d.MaxClockSkew, false, "client event times further ahead kept"},
	}
	for _, d := range durations {
		switch {
		case d.old == d.new:
		case d.old == 0:
			add(widens, d.key, "%s", d.new)
		case (d.new < d.old) == d.smallWide:
			add(widens, d.key, "%s → %s (%s)", d.old, d.new, d.what)
		default:
			add(narrows, d.key, "%s → %s", d.old, d.new)
		}
	}

	cs = append(cs, diffURL(old.u, nw.u)...)
	cs = append(cs, diffAttrs(scope{old: old.p, new: nw.p}, "resource.attributes", "", old.d.Resource, nw.d.Resource)...)

	oldEv := map[string]policy.EventInfo{}
	for _, e := range old.d.Events {
		oldEv[e.Name] = e
	}
	newEv := map[string]policy.EventInfo{}
	for _, e := range nw.d.Events {
		newEv[e.Name] = e
	}
	for _, name := range union(sortedKeys(oldEv), sortedKeys(newEv)) {
		o, inOld := oldEv[name]
		n, inNew := newEv[name]
		subject := fmt.Sprintf("events.%q", name)
		switch {
		case !inOld:
			add(widens, subject, "new event (clause `%s`), with %s", n.Clause, attrList(n.Attributes))
			continue
		case !inNew:
			add(narrows, subject, "event removed (no longer leaves at all)")
			continue
		case o.Clause != n.Clause:
			add(neutral, subject+".clause", "purpose `%s` → `%s`", o.Clause, n.Clause)
		}
		cs = append(cs, diffAttrs(scope{old: old.p, new: nw.p, event: name}, subject, ".attributes", o.Attributes, n.Attributes)...)
	}
	return cs
}

// attrPath is the policy path of an attribute rule under parent.
func attrPath(parent, sub string, a policy.AttributeInfo) string {
	if a.Prefix {
		return fmt.Sprintf("%s.attribute_prefixes.%q", parent, a.Key)
	}
	if sub == "" { // resource.attributes
		return fmt.Sprintf("%s.%q", parent, a.Key)
	}
	return fmt.Sprintf("%s%s.%q", parent, sub, a.Key)
}

func attrID(a policy.AttributeInfo) string {
	if a.Prefix {
		return "prefix:" + a.Key
	}
	return a.Key
}

func attrList(attrs []policy.AttributeInfo) string {
	if len(attrs) == 0 {
		return "no attributes"
	}
	var parts []string
	for _, a := range attrs {
		name := a.Key
		if a.Prefix {
			name += "<name>"
		}
		parts = append(parts, fmt.Sprintf("`%s` (%s)", name, summary(a)))
	}
	return strings.Join(parts, "; ")
}

// summary is one attribute rule in words: everything that bounds what leaves.
func summary(a policy.AttributeInfo) string {
	parts := []string{a.Type}
	if a.NamePattern != "" {
		parts = append(parts, fmt.Sprintf("name matching `%s`", a.NamePattern))
	}
	if a.Names != nil {
		parts = append(parts, "names "+list(a.Names))
	}
	if a.Enum != nil {
		parts = append(parts, "one of "+list(a.Enum))
	}
	if a.Pattern != "" {
		parts = append(parts, fmt.Sprintf("matching `%s`", a.Pattern))
	}
	if a.MaxLength > 0 {
		parts = append(parts, fmt.Sprintf("at most %d bytes", a.MaxLength))
	}
	if a.Pseudonymize {
		parts = append(parts, "pseudonymized")
	}
	if len(a.Detectors) > 0 {
		parts = append(parts, fmt.Sprintf("scanned for %s (%s)", strings.Join(a.Detectors, ", "), a.DetectorAction))
	}
	for _, k := range sortedKeys(a.When) {
		parts = append(parts, fmt.Sprintf("only when `%s` is %s", k, list(a.When[k])))
	}
	parts = append(parts, "clause `"+a.Clause+"`")
	return strings.Join(parts, ", ")
}

func list(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}

func diffAttrs(sc scope, parent, sub string, old, nw []policy.AttributeInfo) []change {
	var cs []change
	oldM := map[string]policy.AttributeInfo{}
	for _, a := range old {
		oldM[attrID(a)] = a
	}
	newM := map[string]policy.AttributeInfo{}
	for _, a := range nw {
		newM[attrID(a)] = a
	}
	for _, id := range union(sortedKeys(oldM), sortedKeys(newM)) {
		o, inOld := oldM[id]
		n, inNew := newM[id]
		switch {
		case !inOld:
			cs = append(cs, change{widens, attrPath(parent, sub, n), "new attribute: " + summary(n)})
		case !inNew:
			cs = append(cs, change{narrows, attrPath(parent, sub, o), "attribute removed (was " + summary(o) + ")"})
		default:
			cs = append(cs, diffAttr(sc, attrPath(parent, sub, n), o, n)...)
		}
	}
	return cs
}

// diffAttr compares one attribute rule, setting by setting. A closed set
// in the new rule (enum values, prefixed names) bounds what can leave, so it
// is compared exactly: each member is run through the old policy's engine.
// The settings it supersedes (pattern, max_length, scanners for values;
// name_pattern for names) then no longer decide what leaves.
func diffAttr(sc scope, path string, o, n policy.AttributeInfo) []change {
	var cs []change
	add := func(dir direction, key, format string, args ...any) {
		cs = append(cs, change{dir, path + key, fmt.Sprintf(format, args...)})
	}
	if o.Type != n.Type {
		add(widens, ".type", "%s values now leave (was %s)", n.Type, o.Type)
		add(narrows, ".type", "%s values no longer leave", o.Type)
	}
	valuesClosed := n.Enum != nil && sc.old != nil && sc.new != nil && o.Type == n.Type
	namesClosed := n.Prefix && n.Names != nil && sc.old != nil && sc.new != nil
	if valuesClosed {
		cs = append(cs, closedSetDiff(path+".enum", "value", o.Enum, n.Enum,
			func(v string) bool { return sc.keepsValue(o, v) })...)
	} else {
		cs = append(cs, diffSet(path+".enum", "value", o.Enum, n.Enum)...)
	}
	if namesClosed {
		cs = append(cs, closedSetDiff(path+".names", "name", o.Names, n.Names,
			func(name string) bool { return sc.keepsName(n, name) })...)
	} else {
		cs = append(cs, diffSet(path+".names", "name", o.Names, n.Names)...)
	}
	// Settings a closed set supersedes: a loosening there lets nothing more out.
	start := len(cs)
	defer func() {
		for i := start; i < len(cs); i++ {
			c := &cs[i]
			if c.dir != widens && c.dir != unknown {
				continue
			}
			key := strings.TrimPrefix(c.subject, path)
			if (valuesClosed && (key == ".pattern" || key == ".max_length" || key == ".scan" || key == ".scan.action")) ||
				(namesClosed && key == ".name_pattern") {
				c.dir = neutral
				c.text += " (superseded by the closed set, each member of which was checked against the old policy)"
			}
		}
	}()
	diffPattern := func(key, ov, nv string) {
		switch {
		case ov == nv:
		case ov == "":
			add(narrows, key, "added `%s`", nv)
		case nv == "":
			add(widens, key, "removed (was `%s`)", ov)
		default:
			add(unknown, key, "`%s` → `%s`", ov, nv)
		}
	}
	diffPattern(".pattern", o.Pattern, n.Pattern)
	diffPattern(".name_pattern", o.NamePattern, n.NamePattern)
	switch {
	case o.MaxLength == n.MaxLength:
	case o.MaxLength == 0:
		add(narrows, ".max_length", "added: %d", n.MaxLength)
	case n.MaxLength == 0:
		add(widens, ".max_length", "removed (was %d)", o.MaxLength)
	case n.MaxLength > o.MaxLength:
		add(widens, ".max_length", "%d → %d", o.MaxLength, n.MaxLength)
	default:
		add(narrows, ".max_length", "%d → %d", o.MaxLength, n.MaxLength)
	}
	switch {
	case o.Pseudonymize && !n.Pseudonymize:
		add(widens, ".pseudonymize", "removed: the value leaves as sent, not as a pseudonym")
	case !o.Pseudonymize && n.Pseudonymize:
		add(narrows, ".pseudonymize", "added: the value leaves as a daily pseudonym")
	}
	for _, d := range o.Detectors {
		if !slices.Contains(n.Detectors, d) {
			add(widens, ".scan", "detector `%s` removed", d)
		}
	}
	for _, d := range n.Detectors {
		if !slices.Contains(o.Detectors, d) {
			add(narrows, ".scan", "detector `%s` added", d)
		}
	}
	if len(o.Detectors) > 0 && len(n.Detectors) > 0 && o.DetectorAction != n.DetectorAction {
		if n.DetectorAction == "mask" {
			add(widens, ".scan.action", "drop → mask (the rest of a value with a finding now leaves)")
		} else {
			add(narrows, ".scan.action", "mask → drop")
		}
	}
	for _, k := range union(sortedKeys(o.When), sortedKeys(n.When)) {
		ov, inOld := o.When[k]
		nv, inNew := n.When[k]
		key := fmt.Sprintf(".when.%q", k)
		switch {
		case !inOld:
			add(narrows, key, "added: only when `%s` is %s", k, list(nv))
		case !inNew:
			add(widens, key, "removed (was: only when `%s` is %s)", k, list(ov))
		default:
			cs = append(cs, diffSet(path+key, "value", ov, nv)...)
		}
	}
	if o.Clause != n.Clause {
		add(neutral, ".clause", "purpose `%s` → `%s`", o.Clause, n.Clause)
	}
	return cs
}

// closedSetDiff compares a closed set of the new rule with the old rule by
// asking the old policy's engine about each member (keeps(p, member)).
func closedSetDiff(path, what string, o, n []string, keeps func(string) bool) []change {
	var cs []change
	var wider []string
	for _, v := range n {
		if !keeps(v) {
			wider = append(wider, v)
		}
	}
	if len(wider) > 0 {
		cs = append(cs, change{widens, path, fmt.Sprintf("%ss the old policy dropped now leave: %s", what, list(wider))})
	}
	if o == nil {
		cs = append(cs, change{narrows, path, fmt.Sprintf("now a closed set of %d: %s", len(n), list(n))})
	} else if removed := minus(o, n); len(removed) > 0 {
		cs = append(cs, change{narrows, path, fmt.Sprintf("%ss removed: %s", what, list(removed))})
	}
	return cs
}

// diffSet compares a closed set (nil: open, anything allowed).
func diffSet(path, what string, o, n []string) []change {
	switch {
	case o == nil && n == nil:
		return nil
	case o == nil:
		return []change{{narrows, path, fmt.Sprintf("now a closed set of %d: %s", len(n), list(n))}}
	case n == nil:
		return []change{{widens, path, fmt.Sprintf("removed: any %s now passes (was %s)", what, list(o))}}
	}
	var cs []change
	if added := minus(n, o); len(added) > 0 {
		cs = append(cs, change{widens, path, fmt.Sprintf("%ss added: %s", what, list(added))})
	}
	if removed := minus(o, n); len(removed) > 0 {
		cs = append(cs, change{narrows, path, fmt.Sprintf("%ss removed: %s", what, list(removed))})
	}
	return cs
}

// urlModes orders the URL modes from least to most kept.
var urlModes = []string{"origin", "generalize", "template", "path"}

func diffURL(o, n policy.URLInfo) []change {
	var cs []change
	add := func(dir direction, key, format string, args ...any) {
		cs = append(cs, change{dir, "url" + key, fmt.Sprintf(format, args...)})
	}
	if o.Mode != n.Mode {
		oi, ni := slices.Index(urlModes, o.Mode), slices.Index(urlModes, n.Mode)
		switch {
		case o.Mode == "":
			add(widens, ".mode", "`%s`", n.Mode)
		case oi < 0 || ni < 0:
			add(unknown, ".mode", "`%s` → `%s`", o.Mode, n.Mode)
		case ni > oi:
			add(widens, ".mode", "`%s` → `%s` (more of the URL is kept)", o.Mode, n.Mode)
		default:
			add(narrows, ".mode", "`%s` → `%s` (less of the URL is kept)", o.Mode, n.Mode)
		}
	}
	switch {
	case o.MaxLength == n.MaxLength:
	case o.MaxLength == 0:
		add(widens, ".max_length", "%d", n.MaxLength)
	case n.MaxLength > o.MaxLength:
		add(widens, ".max_length", "%d → %d", o.MaxLength, n.MaxLength)
	default:
		add(narrows, ".max_length", "%d → %d", o.MaxLength, n.MaxLength)
	}
	if added := minus(n.QueryAllowlist, o.QueryAllowlist); len(added) > 0 {
		add(widens, ".query_allowlist", "parameters added: %s", list(added))
	}
	if removed := minus(o.QueryAllowlist, n.QueryAllowlist); len(removed) > 0 {
		add(narrows, ".query_allowlist", "parameters removed: %s", list(removed))
	}
	// Rules the policy does not expose one by one (generalize mode's
	// subdomains, path words, extensions, site templates) show in the
	// sanitizer's summary; a change there cannot be ordered automatically.
	if len(cs) == 0 && o.Mode != "" && o.Summary != n.Summary {
		add(unknown, "", "rules changed: %s → %s", o.Summary, n.Summary)
	}
	return cs
}

// minus returns the members of a not in b, in a's order.
func minus(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

// union merges two sorted key lists.
func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// scope is where an attribute rule lives: both policies, and the event (""
// for the resource).
type scope struct {
	old, new *policy.Policy
	event    string
}

// keepsValue asks the old policy's engine whether it would let the string v
// out under the attribute o.Key (a drop for its condition does not count: the
// condition is compared on its own).
func (sc scope) keepsValue(o policy.AttributeInfo, v string) bool {
	key := o.Key
	if o.Prefix {
		return true // prefix rules carry no enum today; nothing to compare
	}
	ax, ok := sc.explainOld(key, func(val pcommon.Value) { val.SetStr(v) })
	return ok && (ax.Outcome != policy.AttrDropped || ax.Reason == policy.AttrCondition)
}

// keepsName asks the old policy's engine whether it allows the key
// prefix+name at all (a value of the wrong type still shows the key passed).
func (sc scope) keepsName(n policy.AttributeInfo, name string) bool {
	ax, ok := sc.explainOld(n.Key+name, func(val pcommon.Value) { val.SetBool(true) })
	if !ok {
		return false
	}
	return ax.Outcome != policy.AttrDropped || (ax.Reason != policy.AttrNotAllowed && ax.Reason != policy.AttrVocabulary)
}

// explainOld runs one synthetic attribute through the old policy's Explain.
func (sc scope) explainOld(key string, set func(pcommon.Value)) (policy.AttrExplanation, bool) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	var attrs pcommon.Map
	if sc.event == "" {
		attrs = rl.Resource().Attributes()
		lr.SetEventName("")
	} else {
		lr.SetEventName(sc.event)
		attrs = lr.Attributes()
	}
	v := attrs.PutEmpty(key)
	set(v)
	x := sc.old.Explain(ld)
	var axs []policy.AttrExplanation
	if sc.event == "" {
		axs = x.Resources[0].Attributes
	} else {
		axs = x.Records[0].Attributes
	}
	for _, ax := range axs {
		if ax.Key == key {
			return ax, true
		}
	}
	return policy.AttrExplanation{}, false
}
