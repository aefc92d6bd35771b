package pageurl

import (
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// maxWord bounds path words (and so the stack buffer a lookup lowercases into).
const maxWord = 32

// Generalize returns the URL as the policy allows it to leave, or false when
// it must be dropped: too long, not http(s), or not what a browser sends.
func (g *Generalizer) Generalize(raw string) (string, bool) {
	return g.run(raw, nil)
}

// Step is one decision Explain reports: which rule kept or replaced a part.
type Step struct {
	Part string // scheme, userinfo, host, port, path, segment, query, fragment
	In   string // the part as sent
	Out  string // what is written ("" when removed)
	Rule string // the rule that decided
}

// Explain generalizes raw like Generalize and also says, part by part, which
// rule kept or replaced what (for a policy author's `explain` tool; never
// called on the data path).
func (g *Generalizer) Explain(raw string) (string, bool, []Step) {
	var steps []Step
	out, ok := g.run(raw, &steps)
	return out, ok, steps
}

type explainer = []Step

func note(ex *explainer, part, in, out, rule string) {
	if ex != nil {
		*ex = append(*ex, Step{Part: part, In: in, Out: out, Rule: rule})
	}
}

// run is a hand-written single pass rather than net/url because the output
// must be canonical (so generalizing is idempotent) and cost at most one
// allocation; ex, when not nil, collects the decisions.
func (g *Generalizer) run(raw string, ex *explainer) (string, bool) {
	if raw == "" || len(raw) > g.maxLen {
		note(ex, "url", raw, "", "dropped: empty or longer than max_length")
		return "", false
	}
	if ex == nil && g.isOutput(raw) {
		// An output is its own generalization (idempotence, fuzzed): the
		// egress guard's re-check of what minimize wrote ends here.
		return raw, true
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			note(ex, "url", raw, "", "dropped: space, control, non-ASCII or backslash (not what a browser sends)")
			return "", false
		}
	}
	var scheme, rest string
	switch {
	case hasPrefixFold(raw, "https://"):
		scheme, rest = "https", raw[len("https://"):]
	case hasPrefixFold(raw, "http://"):
		scheme, rest = "http", raw[len("http://"):]
	default:
		note(ex, "scheme", raw, "", "dropped: only http and https")
		return "", false
	}

	end := authorityEnd.index(rest)
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		note(ex, "userinfo", authority[:i], "", "removed: user info never leaves")
		authority = authority[i+1:]
	}
	host, port, ok := splitHostPort(authority)
	if !ok {
		note(ex, "host", authority, "", "dropped: malformed host or port")
		return "", false
	}

	path, query := tail, ""
	if i := pathEnd.index(tail); i >= 0 {
		path = tail[:i]
		frag := ""
		if tail[i] == '?' {
			query = tail[i+1:]
			if j := strings.IndexByte(query, '#'); j >= 0 {
				query, frag = query[:j], query[j+1:]
			}
		} else {
			frag = tail[i+1:]
		}
		if frag != "" {
			note(ex, "fragment", frag, "", "removed: fragments never leave")
		}
	}

	var arr [256]byte
	buf := append(arr[:0], scheme...)
	buf = append(buf, "://"...)
	var st *site
	if g.mode == modeGeneralize {
		buf, st, ok = g.appendGeneralHost(buf, host, ex)
	} else {
		buf, ok = appendHost(buf, host)
		if ex != nil && ok {
			note(ex, "host", host, string(buf[len(scheme)+3:]), "lowercased; IP literals as {ip}")
		}
	}
	if !ok {
		note(ex, "host", host, "", "dropped: not a host name or IP address")
		return "", false
	}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			note(ex, "port", port, "", "dropped: not a port")
			return "", false
		}
		if !(scheme == "http" && n == 80) && !(scheme == "https" && n == 443) {
			buf = append(buf, ':')
			buf = strconv.AppendUint(buf, n, 10)
			if ex != nil {
				note(ex, "port", port, strconv.FormatUint(n, 10), "kept: not the scheme's default")
			}
		} else {
			note(ex, "port", port, "", "removed: the scheme's default")
		}
	}
	if g.mode != modeOrigin {
		if g.mode == modeGeneralize {
			buf, ok = g.appendGeneralPath(buf, path, st, ex)
		} else {
			buf, ok = g.appendPath(buf, path)
		}
		if !ok {
			note(ex, "path", path, "", "dropped: characters or percent-encoding a browser does not send")
			return "", false
		}
		if query != "" {
			if g.query == nil {
				note(ex, "query", query, "", "removed: no query parameter is allowlisted")
			} else {
				n := len(buf)
				if buf, ok = g.appendQuery(buf, query); !ok {
					note(ex, "query", query, "", "dropped: malformed allowlisted value")
					return "", false
				}
				if ex != nil {
					note(ex, "query", query, string(buf[n:]), "query_allowlist; everything else removed")
				}
			}
		}
	} else if path != "" || query != "" {
		note(ex, "path", path, "", "removed: origin mode")
	}
	if len(buf) > g.maxLen {
		// Placeholders can be longer than what they replace (a → {seg});
		// an output that its own check would drop is not written either.
		note(ex, "url", raw, "", "dropped: longer than max_length once generalized")
		return "", false
	}
	if g.outputs != nil && ex == nil {
		return g.intern(buf), true
	}
	if string(buf) == raw { // no allocation
		return raw, true
	}
	return string(buf), true
}

// appendGeneralHost writes the registrable domain with its allowlisted
// subdomain labels, or a placeholder, and returns the site whose templates
// apply (nil: none).
func (g *Generalizer) appendGeneralHost(buf []byte, host string, ex *explainer) ([]byte, *site, bool) {
	if g.hosts == nil || ex != nil {
		return g.generalHost(buf, host, ex)
	}
	if e, hit := g.hosts.Get(host); hit {
		return append(buf, e.out...), e.site, e.ok
	}
	n := len(buf)
	buf, st, ok := g.generalHost(buf, host, nil)
	g.hosts.Put(strings.Clone(host), hostEntry{out: string(buf[n:]), site: st, ok: ok})
	return buf, st, ok
}

func (g *Generalizer) generalHost(buf []byte, host string, ex *explainer) ([]byte, *site, bool) {
	if host == "" || len(host) > 253 {
		return buf, nil, false
	}
	switch {
	case host == phIP || host == phHost:
		note(ex, "host", host, host, "placeholder")
		return append(buf, host...), nil, true
	case host[0] == '[':
		if ipv6Literal(host) {
			note(ex, "host", host, phIP, "IP literal")
			return append(buf, phIP...), nil, true
		}
		return buf, nil, false
	}
	h := strings.TrimSuffix(host, ".") // the fully qualified form names the same host
	upper := false
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c == '.':
			if i == 0 || h[i-1] == '.' {
				return buf, nil, false // empty label
			}
		case c == '{':
			if !strings.HasPrefix(h[i:], phSub) || i > 0 && h[i-1] != '.' || i+len(phSub) < len(h) && h[i+len(phSub)] != '.' {
				return buf, nil, false
			}
			i += len(phSub) - 1
		case 'A' <= c && c <= 'Z':
			upper = true
		case !(isAlnum(c) || c == '-' || c == '_'):
			return buf, nil, false
		}
	}
	if h == "" {
		return buf, nil, false
	}
	if isIPv4Host(h) {
		note(ex, "host", host, phIP, "IP literal (WHATWG IPv4 forms)")
		return append(buf, phIP...), nil, true
	}
	if upper {
		h = strings.ToLower(h) // rare: browsers send hosts lowercased
	}
	suffix := ICANNSuffix(h)
	switch {
	case suffix == "":
		note(ex, "host", host, phHost, "top-level label not in the public suffix list (a local name)")
		return append(buf, phHost...), nil, true
	case suffix == h:
		note(ex, "host", host, h, "a public suffix itself")
		return append(buf, h...), nil, true
	}
	left := h[:len(h)-len(suffix)-1]
	regStart := strings.LastIndexByte(left, '.') + 1
	subs, domain := "", h[regStart:]
	if regStart > 0 {
		subs = h[:regStart-1]
	}
	if ipBearing(subs) {
		note(ex, "host", host, phIP, "embeds an IP address")
		return append(buf, phIP...), nil, true
	}
	pending := false // a run of replaced labels is written as one {sub}
	for subs != "" {
		label := subs
		if i := strings.IndexByte(subs, '.'); i >= 0 {
			label, subs = subs[:i], subs[i+1:]
		} else {
			subs = ""
		}
		if _, ok := g.subdomains[label]; ok {
			if pending {
				buf = append(buf, phSub+"."...)
				pending = false
			}
			buf = append(buf, label...)
			buf = append(buf, '.')
			note(ex, "host label", label, label, "subdomains allowlist")
			continue
		}
		pending = true
		note(ex, "host label", label, phSub, "subdomain label not in the allowlist")
	}
	if pending {
		buf = append(buf, phSub+"."...)
	}
	buf = append(buf, domain...)
	note(ex, "host", domain, domain, "registrable domain (ICANN public suffix + 1 label)")
	return buf, g.sites[domain], true
}

// ICANNSuffix is the host's public suffix by the ICANN section of the list,
// or "" when its top-level label is not in the list (exported for the
// client's conformance test, which holds the browser port to it). A private-section rule
// (github.io) is skipped by asking again for its parent (io).
func ICANNSuffix(h string) string {
	s, icann := publicsuffix.PublicSuffix(h)
	for !icann {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			return ""
		}
		s, icann = publicsuffix.PublicSuffix(s[i+1:])
	}
	return s
}

// The Generalizer's caches (internal/slotcache, 1,024 slots each; nil: none).
// They are optimizations, not rules (TestCachesChangeNoAnswer, FuzzGeneralize).
//
// hosts remembers the generalized form of recently seen hosts, keyed by the
// host as sent: page URLs come from few hosts, and the host is most of the
// work (the public suffix lookup is a binary search per label, and
// publicsuffix.PublicSuffix first tries netip.ParseAddr, whose error
// allocates).
//
// outputs interns generalized URLs (key and value are the output).
// Generalizing collapses the pages of a kind on a site to one string (that is
// its purpose), so the same few outputs recur: returning the remembered string
// saves an allocation per URL, and a URL that is a remembered output needs no
// work at all. It holds only outputs, which are what the policy lets leave.
const cacheSlots = 1024

type hostEntry struct {
	out  string // as written
	site *site
	ok   bool
}

func (g *Generalizer) isOutput(s string) bool {
	_, ok := g.outputs.Get(s)
	return ok
}

func (g *Generalizer) intern(b []byte) string {
	if s, ok := g.outputs.GetBytes(b); ok {
		return s
	}
	s := string(b)
	g.outputs.Put(s, s)
	return s
}

// ipBearing reports whether subdomain labels spell an IP address the way
// wildcard DNS services and cloud providers do: 10.0.0.1.nip.io (four
// decimal labels), 1-2-3-4.sslip.io or ec2-1-2-3-4 (four dashed octets in a
// label), 2a01-4f8--1 (dashed IPv6), c0a80101 (eight hex digits).
func ipBearing(subs string) bool {
	run := 0
	for subs != "" {
		label := subs
		if i := strings.IndexByte(subs, '.'); i >= 0 {
			label, subs = subs[:i], subs[i+1:]
		} else {
			subs = ""
		}
		if isOctet(label) {
			if run++; run == 4 {
				return true
			}
		} else {
			run = 0
		}
		if dashedIPv4(label) || dashedIPv6(label) || hexIPv4(label) {
			return true
		}
	}
	return false
}

func isOctet(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= 255
}

func dashedIPv4(label string) bool {
	run := 0
	for label != "" {
		part := label
		if i := strings.IndexByte(label, '-'); i >= 0 {
			part, label = label[:i], label[i+1:]
		} else {
			label = ""
		}
		if isOctet(part) {
			if run++; run == 4 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// dashedIPv6 is sslip.io's form: hex groups of 1–4 joined by '-', "--" for
// "::"; at least three groups, and either "--" or all eight groups.
func dashedIPv6(label string) bool {
	if strings.IndexByte(label, '-') < 0 {
		return false
	}
	groups, empty := 0, false
	for _, part := range strings.Split(label, "-") {
		if part == "" {
			empty = true
			continue
		}
		if len(part) > 4 {
			return false
		}
		for i := 0; i < len(part); i++ {
			if !isHex(part[i]) {
				return false
			}
		}
		groups++
	}
	return groups >= 3 && (empty || groups == 8)
}

func hexIPv4(label string) bool {
	if len(label) != 8 {
		return false
	}
	digit := false
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !isHex(c) {
			return false
		}
		digit = digit || c <= '9'
	}
	return digit
}

// appendGeneralPath writes the first matching site template, or else each
// segment as a word or a placeholder.
func (g *Generalizer) appendGeneralPath(buf []byte, path string, st *site, ex *explainer) ([]byte, bool) {
	if path == "" {
		return append(buf, '/'), true
	}
	for i := 0; i < len(path); i++ {
		if !isPathChar(path[i]) {
			return buf, false
		}
	}
	if !validPercent(path) {
		return buf, false
	}
	if st != nil {
		for i := range st.templates {
			if t := &st.templates[i]; t.match(path) {
				if ex != nil {
					note(ex, "path", path, t.src, "site template ("+st.name+")")
				}
				return append(buf, t.src...), true
			}
		}
	}
	for rest := path[1:]; ; {
		buf = append(buf, '/')
		seg := rest
		i := strings.IndexByte(rest, '/')
		if i >= 0 {
			seg = rest[:i]
		}
		n := len(buf)
		var rule string
		buf, rule = g.appendGeneralSegment(buf, seg)
		if ex != nil && seg != "" {
			note(ex, "segment", seg, string(buf[n:]), rule)
		}
		if i < 0 {
			return buf, true
		}
		rest = rest[i+1:]
	}
}

func (t *template) match(path string) bool {
	rest := path[1:]
	for k := range t.segs {
		seg := rest
		i := strings.IndexByte(rest, '/')
		if i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			if k != len(t.segs)-1 {
				return false
			}
		}
		ts := &t.segs[k]
		if ts.kind == "" {
			if !strings.EqualFold(seg, ts.prefix) {
				return false
			}
		} else {
			if len(seg) <= len(ts.prefix)+len(ts.suffix) || !hasPrefixFold(seg, ts.prefix) || !hasSuffixFold(seg, ts.suffix) {
				return false
			}
			mid := seg[len(ts.prefix) : len(seg)-len(ts.suffix)]
			if ts.kind == phID && mid != phID && !hasDigit(mid) {
				return false
			}
		}
		if i < 0 {
			return true
		}
	}
	return false // more segments than the template
}

// appendGeneralSegment writes a path word or a placeholder, keeping an
// allowlisted extension, and names the rule.
func (g *Generalizer) appendGeneralSegment(buf []byte, seg string) ([]byte, string) {
	if seg == "" {
		return buf, ""
	}
	stem, ext := seg, ""
	if i := strings.LastIndexByte(seg, '.'); i > 0 && len(seg)-i-1 <= 5 {
		var low [5]byte
		e := lowerASCII(low[:0], seg[i+1:])
		if _, ok := g.exts[string(e)]; ok {
			stem, ext = seg[:i], seg[i+1:]
		}
	}
	var rule string
	buf, rule = g.appendStem(buf, stem)
	if ext != "" {
		buf = append(buf, '.')
		buf = lowerASCII(buf, ext)
	}
	return buf, rule
}

// appendStem writes a segment or value without its extension: a path word
// (lowercased), a placeholder as is, else {id} when it contains a digit and
// {seg} when it does not.
func (g *Generalizer) appendStem(buf []byte, stem string) ([]byte, string) {
	if stem == phID || stem == phSeg {
		return append(buf, stem...), "placeholder"
	}
	if len(stem) <= maxWord {
		var low [maxWord]byte
		w := lowerASCII(low[:0], stem)
		if _, ok := g.words[string(w)]; ok {
			return append(buf, w...), "path_words"
		}
	}
	if hasDigit(stem) {
		return append(buf, phID...), "not a path word; contains a digit: {id}"
	}
	return append(buf, phSeg...), "not a path word: {seg}"
}

// hasDigit reports whether s, percent-decoded, holds an ASCII digit.
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		if c >= '0' && c <= '9' {
			return true
		}
	}
	return false
}

func lowerASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func ipv6Literal(host string) bool {
	_, err := netip.ParseAddr(host[1 : len(host)-1])
	return err == nil
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// registrable is the host's registrable domain by the ICANN section, or "".
func registrable(h string) string {
	suffix := ICANNSuffix(h)
	if suffix == "" || suffix == h {
		return ""
	}
	left := h[:len(h)-len(suffix)-1]
	return h[strings.LastIndexByte(left, '.')+1:]
}
