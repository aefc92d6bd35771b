package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
	"github.com/sbi-telemetry/otelcol-sbi/policy/pageurl"
)

// The client's API is hand-written; these tables tie each API field to the
// policy attribute it fills. The generator fails when the policy no longer
// declares one of them, rather than emitting a client that sends dead names.
type apiField struct {
	Field string `json:"field"` // argument property in the JS API
	Key   string `json:"key"`   // policy attribute key
	Type  string `json:"-"`     // TypeScript type name of an enum field
}

type apiEvent struct {
	Fn     string     `json:"fn"`
	Event  string     `json:"event"`
	Fields []apiField `json:"fields"`
	// Prefix is set for an event whose argument is an object of named flags.
	Prefix string `json:"prefix,omitempty"`
}

var api = []apiEvent{
	{Fn: "uiInteraction", Event: "ui.interaction", Fields: []apiField{
		{"surface", "ui.surface", "Surface"}, {"control", "ui.control", "Control"}, {"action", "ui.action", "Action"}}},
	{Fn: "settingsState", Event: "settings.state", Prefix: "setting."},
	{Fn: "searchStarted", Event: "search.started", Fields: []apiField{
		{"trigger", "search.trigger", "Trigger"}, {"marketplace", "search.marketplace", "Marketplace"}, {"pageUrl", "url.full", ""}}},
}

// settingType is the TypeScript name of the closed set of setting names.
const settingType = "SettingName"

// urlSpec is the policy's url section as the client needs it to generalize
// a page URL the way the collector does (policy/pageurl).
type urlSpec struct {
	Mode           string     `json:"mode"`
	MaxLength      int        `json:"maxLength"`
	QueryAllowlist []string   `json:"queryAllowlist"`
	Subdomains     []string   `json:"subdomains,omitempty"`
	PathWords      []string   `json:"pathWords,omitempty"`
	Extensions     []string   `json:"extensions,omitempty"`
	Sites          []siteSpec `json:"sites,omitempty"`
}

type siteSpec struct {
	Name      string   `json:"name"`
	Domains   []string `json:"domains"`
	Templates []string `json:"templates"`
}

// loadURLSpec reads the url section with the collector's own schema
// (pageurl.Spec) and compiles it with the collector's own compiler, which
// also fills in the defaults. Describe does not carry the URL rules, so
// they are read from the same document the policy was loaded from.
func loadURLSpec(path string) (urlSpec, *pageurl.Generalizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return urlSpec{}, nil, err
	}
	var doc struct {
		URL pageurl.Spec `yaml:"url"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return urlSpec{}, nil, err
	}
	var errs []string
	g := pageurl.Compile(&doc.URL, func(rule, msg string) { errs = append(errs, rule+": "+msg) })
	if len(errs) > 0 {
		return urlSpec{}, nil, fmt.Errorf("%s: %s", path, strings.Join(errs, "; "))
	}
	u := urlSpec{Mode: g.Mode(), MaxLength: g.MaxLength(), QueryAllowlist: g.QueryAllowlist()}
	if u.QueryAllowlist == nil {
		u.QueryAllowlist = []string{}
	}
	if u.Mode == "generalize" {
		u.Subdomains, u.PathWords, u.Extensions = doc.URL.Subdomains, doc.URL.PathWords, doc.URL.Extensions
		for _, s := range doc.URL.Sites {
			u.Sites = append(u.Sites, siteSpec{Name: s.Name, Domains: s.Domains, Templates: s.Templates})
		}
	}
	return u, g, nil
}

// attrRule is one attribute rule as the client checks it.
type attrRule struct {
	Type        string              `json:"type"`
	Enum        []string            `json:"enum,omitempty"`
	Names       []string            `json:"names,omitempty"`
	Pattern     string              `json:"pattern,omitempty"`
	NamePattern string              `json:"namePattern,omitempty"`
	MaxLength   int                 `json:"maxLength,omitempty"`
	When        map[string][]string `json:"when,omitempty"`
}

type eventRules struct {
	Attributes map[string]attrRule `json:"attributes"`
	Prefixes   map[string]attrRule `json:"prefixes,omitempty"`
}

type rules struct {
	PolicyVersion  string                `json:"policyVersion"`
	GranularityMs  int64                 `json:"granularityMs"`
	ServiceVersion string                `json:"serviceVersion"`
	Events         map[string]eventRules `json:"events"`
	URL            urlSpec               `json:"url"`
	API            []apiEvent            `json:"api"`
}

type file struct {
	name    string
	comment string // line comment token of the language
	region  []byte
}

type output struct{ js, dts []byte }

func (o *output) files() []file {
	return []file{{"sbi-telemetry.js", "//", o.js}, {"sbi-telemetry.d.ts", "//", o.dts}}
}

func toRule(a policy.AttributeInfo) attrRule {
	return attrRule{Type: a.Type, Enum: a.Enum, Names: a.Names, Pattern: a.Pattern,
		NamePattern: a.NamePattern, MaxLength: a.MaxLength, When: a.When}
}

// pslData is the encoded ICANN section of the public suffix list and the
// version of the list it came from.
type pslData struct{ encoded, version string }

func generate(d policy.Description, u urlSpec, psl pslData) (*output, error) {
	r := rules{PolicyVersion: d.Version, GranularityMs: d.TimestampGranularity.Milliseconds(),
		Events: map[string]eventRules{}, URL: u, API: api}
	for _, a := range d.Resource {
		if a.Key == "service.version" {
			r.ServiceVersion = a.Pattern
		}
	}
	if r.ServiceVersion == "" {
		return nil, fmt.Errorf("the policy keeps no resource service.version with a pattern")
	}
	events := map[string]policy.EventInfo{}
	for _, e := range d.Events {
		events[e.Name] = e
	}
	types := map[string][]string{} // TypeScript union name -> values
	for _, fn := range api {
		e, ok := events[fn.Event]
		if !ok {
			return nil, fmt.Errorf("%s: the policy declares no event %q", fn.Fn, fn.Event)
		}
		er := eventRules{Attributes: map[string]attrRule{}}
		attrs := map[string]policy.AttributeInfo{}
		for _, a := range e.Attributes {
			switch {
			case a.Prefix:
				if er.Prefixes == nil {
					er.Prefixes = map[string]attrRule{}
				}
				er.Prefixes[a.Key] = toRule(a)
			default:
				er.Attributes[a.Key] = toRule(a)
			}
			attrs[a.Key] = a
		}
		r.Events[fn.Event] = er
		if fn.Prefix != "" {
			a, ok := attrs[fn.Prefix]
			if !ok || !a.Prefix || a.Type != "bool" || len(a.Names) == 0 {
				return nil, fmt.Errorf("%s: event %q needs a bool prefix rule %q with a closed list of names", fn.Fn, fn.Event, fn.Prefix)
			}
			types[settingType] = a.Names
			continue
		}
		for _, f := range fn.Fields {
			a, ok := attrs[f.Key]
			if !ok || a.Prefix {
				return nil, fmt.Errorf("%s: event %q declares no attribute %q", fn.Fn, fn.Event, f.Key)
			}
			if f.Type != "" {
				if a.Type != "string" || len(a.Enum) == 0 {
					return nil, fmt.Errorf("%s: attribute %q must be a string with an enum", fn.Fn, f.Key)
				}
				types[f.Type] = a.Enum
			} else if a.Type != "url" {
				return nil, fmt.Errorf("%s: attribute %q must be a url", fn.Fn, f.Key)
			}
		}
	}

	var js bytes.Buffer
	fmt.Fprintf(&js, "// Policy %s. Regenerate: go run ./cmd/sbiclientgen (make generate-client).\n", d.Version)
	fmt.Fprintf(&js, "export const POLICY_VERSION = %s;\n", jsonString(d.Version))
	js.WriteString("/** The closed vocabulary of the policy, per API field. */\nexport const VOCABULARY = deepFreeze({\n")
	for _, n := range sortedTypeNames(types) {
		fmt.Fprintf(&js, "  %s: %s,\n", n, jsonCompact(types[n]))
	}
	js.WriteString("});\n")
	rj, err := jsonIndent(r)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&js, "const RULES = deepFreeze(%s);\n", rj)
	if u.Mode == "generalize" {
		fmt.Fprintf(&js, "// %s,\n// decoded from golang.org/x/net/publicsuffix (see cmd/sbiclientgen/psl.go for the encoding).\n", psl.version)
		fmt.Fprintf(&js, "const PSL = %s;\n", jsonString(psl.encoded))
	} else {
		js.WriteString("const PSL = ''; // only generalize mode consults the public suffix list\n")
	}

	var dts bytes.Buffer
	fmt.Fprintf(&dts, "// Policy %s. Regenerate: go run ./cmd/sbiclientgen (make generate-client).\n", d.Version)
	fmt.Fprintf(&dts, "export declare const POLICY_VERSION: %s;\n", jsonString(d.Version))
	for _, n := range sortedTypeNames(types) {
		quoted := make([]string, len(types[n]))
		for i, v := range types[n] {
			quoted[i] = jsonString(v)
		}
		fmt.Fprintf(&dts, "export type %s =\n  | %s;\n", n, strings.Join(quoted, "\n  | "))
	}
	dts.WriteString("export declare const VOCABULARY: {\n")
	for _, n := range sortedTypeNames(types) {
		fmt.Fprintf(&dts, "  readonly %s: readonly %s[];\n", n, n)
	}
	dts.WriteString("};\n")
	return &output{js: js.Bytes(), dts: dts.Bytes()}, nil
}

func sortedTypeNames(m map[string][]string) []string {
	// Fixed order: the API's order, then the settings.
	var out []string
	for _, fn := range api {
		for _, f := range fn.Fields {
			if _, ok := m[f.Type]; ok && f.Type != "" {
				out = append(out, f.Type)
			}
		}
		if fn.Prefix != "" {
			out = append(out, settingType)
		}
	}
	return out
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func jsonCompact(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(b.String())
}

func jsonIndent(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

const (
	beginMarker = " BEGIN GENERATED by cmd/sbiclientgen from config/policy.yaml: do not edit"
	endMarker   = " END GENERATED"
)

// splice replaces what lies between the marker lines of src with region.
func splice(src, region []byte, comment string) ([]byte, error) {
	begin := []byte(comment + beginMarker + "\n")
	end := []byte(comment + endMarker + "\n")
	i := bytes.Index(src, begin)
	j := bytes.Index(src, end)
	if i < 0 || j < i || bytes.Count(src, begin) != 1 || bytes.Count(src, end) != 1 {
		return nil, fmt.Errorf("want exactly one %q line followed by one %q line", strings.TrimSpace(string(begin)), strings.TrimSpace(string(end)))
	}
	var b bytes.Buffer
	b.Write(src[:i+len(begin)])
	b.Write(region)
	b.Write(src[j:])
	return b.Bytes(), nil
}
