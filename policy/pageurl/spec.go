package pageurl

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/sbi-telemetry/otelcol-sbi/internal/slotcache"
)

// MaxLength is the DESIGN.md ceiling: longer URLs are dropped.
const MaxLength = 2048

// Spec is the `url:` block of a policy file. The policy loader decodes it
// strictly (an unknown key is an error).
type Spec struct {
	// Mode is generalize (the default), template, path or origin.
	Mode string `yaml:"mode"`
	// MaxLength: longer URLs are dropped (1..2048; 0 means 2048).
	MaxLength int `yaml:"max_length"`
	// QueryAllowlist names the query parameters that may stay. Their values
	// are generalized like path segments (generalize) or templated (template).
	QueryAllowlist []string `yaml:"query_allowlist"`
	// Subdomains are the host labels kept left of the registrable domain
	// (generalize mode); every other label becomes {sub}.
	Subdomains []string `yaml:"subdomains"`
	// PathWords is the structural vocabulary: path segments (ASCII case
	// folded, without the file extension) kept as words (generalize mode).
	PathWords []string `yaml:"path_words"`
	// Extensions are the file extensions kept after a placeholder or a word
	// (generalize mode): /item/123.html → /item/{id}.html.
	Extensions []string `yaml:"extensions"`
	// Sites are per-site page templates (generalize mode).
	Sites []SiteSpec `yaml:"sites"`
}

// SiteSpec names a site's page types as path templates. A template is a
// path whose segments are literals (matched ASCII case-insensitively) or
// prefix{kind}suffix, kind one of id (a segment with a digit), query, name
// or seg (any non-empty text). A URL whose path matches a template, segment
// for segment, is written as the template.
type SiteSpec struct {
	Name      string   `yaml:"name"`
	Domains   []string `yaml:"domains"`
	Templates []string `yaml:"templates"`
}

// Placeholders. Every one is its own fixed point.
const (
	phID    = "{id}"
	phSeg   = "{seg}"
	phQuery = "{query}"
	phName  = "{name}"
	phSub   = "{sub}"
	phHost  = "{host}"
	phIP    = "{ip}"
)

type mode uint8

const (
	modeGeneralize mode = iota
	modeTemplate
	modePath
	modeOrigin
)

var modeNames = [...]string{"generalize", "template", "path", "origin"}

func (m mode) String() string { return modeNames[m] }

// Generalizer is a compiled `url:` block. It is immutable and safe for
// concurrent use.
type Generalizer struct {
	mode       mode
	maxLen     int
	query      map[string]struct{} // allowed query parameter names; nil: none
	subdomains map[string]struct{}
	words      map[string]struct{}
	exts       map[string]struct{}
	sites      map[string]*site // registrable domain → its templates
	siteList   []*site
	hosts      *slotcache.Cache[hostEntry]
	outputs    *slotcache.Cache[string]
}

type site struct {
	name      string
	templates []template
}

type template struct {
	src  string
	segs []tseg
}

// tseg is one template segment: a literal (kind "") or prefix{kind}suffix.
type tseg struct {
	prefix, kind, suffix string
}

// Compile checks s and returns its Generalizer. Every problem is reported
// through fail, with a rule path starting "url." and what is wrong; the
// returned Generalizer is only meaningful when fail was never called.
func Compile(s *Spec, fail func(rule, msg string)) *Generalizer {
	failf := func(rule, format string, args ...any) { fail(rule, fmt.Sprintf(format, args...)) }
	g := &Generalizer{mode: modeGeneralize, maxLen: MaxLength, outputs: slotcache.New[string](cacheSlots)}
	switch s.Mode {
	case "", "generalize":
	case "template":
		g.mode = modeTemplate
	case "path":
		g.mode = modePath
	case "origin":
		g.mode = modeOrigin
	default:
		failf("url.mode", "unknown mode %q (want generalize, template, path or origin)", s.Mode)
	}
	if s.MaxLength < 0 || s.MaxLength > MaxLength {
		failf("url.max_length", "must be between 1 and %d, got %d", MaxLength, s.MaxLength)
	} else if s.MaxLength > 0 {
		g.maxLen = s.MaxLength
	}
	if len(s.QueryAllowlist) > 0 {
		g.query = make(map[string]struct{}, len(s.QueryAllowlist))
		for i, k := range s.QueryAllowlist {
			if k == "" || !isQueryKey(k) {
				failf(fmt.Sprintf("url.query_allowlist[%d]", i), "%q is not a plain query parameter name", k)
			}
			g.query[k] = struct{}{}
		}
	}
	if g.mode != modeGeneralize {
		for key, n := range map[string]int{"subdomains": len(s.Subdomains), "path_words": len(s.PathWords), "extensions": len(s.Extensions), "sites": len(s.Sites)} {
			if n > 0 {
				failf("url."+key, "applies to mode generalize only (mode is %s)", g.mode)
			}
		}
		return g
	}
	g.hosts = slotcache.New[hostEntry](cacheSlots)
	g.subdomains = compileSet("url.subdomains", s.Subdomains, isLabel, "a lowercase host label ([a-z0-9-], at most 63)", failf)
	g.words = compileSet("url.path_words", s.PathWords, isWord, "a lowercase word ([a-z0-9_-], at most 32, no digits only)", failf)
	g.exts = compileSet("url.extensions", s.Extensions, isExt, "a lowercase file extension ([a-z0-9], 1 to 5, without the dot)", failf)
	g.sites = map[string]*site{}
	for i, ss := range s.Sites {
		rule := fmt.Sprintf("url.sites[%d]", i)
		st := &site{name: ss.Name}
		if !isLabel(ss.Name) {
			failf(rule+".name", "%q must be a lowercase name ([a-z0-9-])", ss.Name)
		}
		if len(ss.Domains) == 0 {
			failf(rule+".domains", "at least one registrable domain is required")
		}
		for j, d := range ss.Domains {
			r := fmt.Sprintf("%s.domains[%d]", rule, j)
			if etld1, err := publicsuffix.EffectiveTLDPlusOne(d); err != nil || etld1 != d || strings.ToLower(d) != d || registrable(d) != d {
				failf(r, "%q is not a lowercase registrable domain (public suffix plus one label)", d)
				continue
			}
			if prev, ok := g.sites[d]; ok {
				failf(r, "%q is already a domain of site %q", d, prev.name)
				continue
			}
			g.sites[d] = st
		}
		if len(ss.Templates) == 0 {
			failf(rule+".templates", "at least one template is required")
		}
		seen := map[string]bool{}
		for j, src := range ss.Templates {
			r := fmt.Sprintf("%s.templates[%d]", rule, j)
			t, msg := parseTemplate(src)
			switch {
			case msg != "":
				failf(r, "%q: %s", src, msg)
			case seen[strings.ToLower(src)]:
				failf(r, "%q is listed twice", src)
			default:
				seen[strings.ToLower(src)] = true
				st.templates = append(st.templates, t)
			}
		}
		g.siteList = append(g.siteList, st)
	}
	return g
}

func compileSet(rule string, list []string, valid func(string) bool, want string, failf func(string, string, ...any)) map[string]struct{} {
	set := make(map[string]struct{}, len(list))
	for i, v := range list {
		r := fmt.Sprintf("%s[%d]", rule, i)
		if !valid(v) {
			failf(r, "%q is not %s", v, want)
			continue
		}
		if _, dup := set[v]; dup {
			failf(r, "%q is listed twice", v)
		}
		set[v] = struct{}{}
	}
	return set
}

// parseTemplate returns the template or what is wrong with it.
func parseTemplate(src string) (template, string) {
	t := template{src: src}
	if !strings.HasPrefix(src, "/") {
		return t, "must start with /"
	}
	if len(src) > 256 {
		return t, "is longer than 256 characters"
	}
	for _, seg := range strings.Split(src[1:], "/") {
		open, close := strings.IndexByte(seg, '{'), strings.IndexByte(seg, '}')
		if open < 0 && close < 0 {
			if seg == "" || seg == "." || seg == ".." || !isLiteral(seg) {
				return t, fmt.Sprintf("segment %q must be a non-empty literal of [A-Za-z0-9._~!$&'()*+,;=:@-] or prefix{kind}suffix", seg)
			}
			t.segs = append(t.segs, tseg{prefix: seg})
			continue
		}
		if open < 0 || close < open || strings.Count(seg, "{") != 1 || strings.Count(seg, "}") != 1 {
			return t, fmt.Sprintf("segment %q must hold at most one {placeholder}", seg)
		}
		ts := tseg{prefix: seg[:open], kind: seg[open : close+1], suffix: seg[close+1:]}
		switch ts.kind {
		case phID, phQuery, phName, phSeg:
		default:
			return t, fmt.Sprintf("unknown placeholder %s (want {id}, {query}, {name} or {seg})", ts.kind)
		}
		if ts.prefix != "" && !isLiteral(ts.prefix) || ts.suffix != "" && !isLiteral(ts.suffix) {
			return t, fmt.Sprintf("segment %q: the text around the placeholder must be literal", seg)
		}
		t.segs = append(t.segs, ts)
	}
	return t, ""
}

// Mode is the compiled mode's name: generalize, template, path or origin.
func (g *Generalizer) Mode() string { return g.mode.String() }

// MaxLength is the longest URL that is not dropped.
func (g *Generalizer) MaxLength() int { return g.maxLen }

// QueryAllowlist is the sorted list of query parameters that may stay.
func (g *Generalizer) QueryAllowlist() []string { return sortedKeys(g.query) }

// Describe is one line for the policy's data inventory: what of a URL leaves.
func (g *Generalizer) Describe() string {
	q := "no query"
	if len(g.query) > 0 {
		q = "query only " + strings.Join(g.QueryAllowlist(), ", ")
	}
	if g.mode != modeGeneralize {
		return fmt.Sprintf("sanitized (%s mode, %s, no user info or fragment, IP hosts as {ip})", g.mode, q)
	}
	n, names := 0, make([]string, len(g.siteList))
	for i, s := range g.siteList {
		n += len(s.templates)
		names[i] = s.name
	}
	return fmt.Sprintf("generalized to the site and the kind of page (generalize mode: registrable domain plus %d allowed subdomain labels, other labels {sub}; "+
		"path segments kept only as one of %d structural words or by %d page templates of %s, others {id} or {seg} keeping one of %d file extensions; "+
		"%s, no user info or fragment, IP hosts as {ip})",
		len(g.subdomains), len(g.words), n, strings.Join(names, ", "), len(g.exts), q)
}

func sortedKeys(m map[string]struct{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func isWord(s string) bool {
	if s == "" || len(s) > maxWord {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return letter
}

func isExt(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isLiteral admits the path characters a browser leaves unencoded, except
// '%' (a template literal is matched as text, not decoded) and braces.
func isLiteral(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0) {
			return false
		}
	}
	return true
}

func isQueryKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(isAlnum(c) || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
