package policy

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteInventory writes the data inventory of p as Markdown: every event and
// field that can leave the collector, its constraint or sanitization, and the
// privacy-policy clause it serves. It is generated, never hand-edited, so it
// cannot drift from what the engine enforces.
func WriteInventory(w io.Writer, p *Policy, source string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Data inventory\n\n")
	fmt.Fprintf(&b, "Generated from `%s` (policy version `%s`) by `make docs`; do not edit.\n", source, p.version)
	fmt.Fprintf(&b, "Everything not listed here is dropped before it leaves the collector.\n\n")

	fmt.Fprintf(&b, "## Privacy-policy clauses\n\n| id | clause |\n|---|---|\n")
	for _, id := range sortedKeys(p.clauses) {
		fmt.Fprintf(&b, "| `%s` | %s |\n", id, p.clauses[id])
	}

	fmt.Fprintf(&b, "\n## Resource\n\n| attribute | type | constraint or sanitization | clause |\n|---|---|---|---|\n")
	for _, k := range sortedKeys(p.resource) {
		writeAttrRow(&b, "`"+k+"`", p.resource[k], p)
	}
	fmt.Fprintf(&b, "| `%s` | string | set by the collector to the policy version; inbound values are overwritten | (all) |\n", VersionAttribute)

	fmt.Fprintf(&b, "\n## Events\n")
	names := make([]string, 0, len(p.events))
	for n := range p.events {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ev := p.events[n]
		fmt.Fprintf(&b, "\n### `%s`\n\n%s Clause: `%s` (%s).\n\n", n, ev.description, ev.clause, p.clauses[ev.clause])
		fmt.Fprintf(&b, "| attribute | type | constraint or sanitization | clause |\n|---|---|---|---|\n")
		for _, k := range sortedKeys(ev.attrs) {
			writeAttrRow(&b, "`"+k+"`", ev.attrs[k], p)
		}
		for _, r := range ev.prefixes {
			writeAttrRow(&b, "`"+r.key+"<name>`", r, p)
		}
	}

	fmt.Fprintf(&b, "\n## Every record\n\n")
	fields := make([]string, len(recordFields))
	for i, f := range recordFields {
		fields[i] = "`" + f.name + "`"
	}
	fmt.Fprintf(&b, "- Built from these fields only (every other field of the input, known or not, is absent from the output): %s.\n", strings.Join(fields, ", "))
	fmt.Fprintf(&b, "- `observed_time`: the time of receipt, truncated to %s (a value more than %s ahead of or %s behind the collector's clock is replaced by the clock).\n", p.granularity, p.maxSkew, p.maxAge)
	fmt.Fprintf(&b, "- `time`: the client's event time truncated to %s, kept only when it is at most %s after and %s before `observed_time`; otherwise replaced by `observed_time`.\n", p.granularity, p.maxSkew, p.maxAge)
	fmt.Fprintf(&b, "- `severity_number`: 0–24; `severity_text`: empty or one of the spec's short names (TRACE … FATAL4).\n")
	fmt.Fprintf(&b, "- Scopes are empty; resources hold only the attributes above and the stamp; no schema URLs.\n")
	fmt.Fprintf(&b, "- Dropped whole: records without an event name and records of events not listed above.\n")
	fmt.Fprintf(&b, "- URLs: mode `%s`, at most %d characters; see policy/pageurl/README.md for the rules.\n", p.url.Mode(), p.url.MaxLength())
	_, err := io.WriteString(w, b.String())
	return err
}

func writeAttrRow(b *strings.Builder, name string, r *attrRule, p *Policy) {
	fmt.Fprintf(b, "| %s | %s | %s | `%s` |\n", name, r.typ, constraintText(r, p), r.clause)
}

func constraintText(r *attrRule, p *Policy) string {
	var parts []string
	if r.typ == typeURL {
		parts = append(parts, p.url.Describe())
	}
	if len(r.names) > 0 {
		parts = append(parts, "name one of "+strings.Join(sortedKeys(r.names), ", "))
	} else if r.namePattern != nil {
		parts = append(parts, fmt.Sprintf("name matches `%s`", r.nameSrc))
	}
	if len(r.enum) > 0 {
		parts = append(parts, "one of "+strings.Join(sortedKeys(r.enum), ", "))
	}
	if r.pattern != nil {
		parts = append(parts, fmt.Sprintf("matches `%s`", r.patternSrc))
	}
	if r.maxLen > 0 {
		parts = append(parts, fmt.Sprintf("at most %d bytes", r.maxLen))
	}
	if r.scan != nil {
		names := r.scan.Detectors()
		action := "dropped"
		if r.scan.Masks() {
			action = "masked"
		}
		parts = append(parts, fmt.Sprintf("%s if it contains %s", action, strings.Join(names, ", ")))
	}
	if r.pseudonymize {
		parts = append(parts, "pseudonymized (HMAC-SHA256, daily key)")
	}
	for _, k := range sortedKeys(r.when) {
		parts = append(parts, fmt.Sprintf("only when `%s` is %s", k, strings.Join(sortedKeys(r.when[k]), ", ")))
	}
	if r.typ == typeBool {
		parts = append(parts, "booleans only")
	}
	if len(parts) == 0 {
		return "type only"
	}
	return strings.Join(parts, "; ")
}
