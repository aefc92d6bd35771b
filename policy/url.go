package policy

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

type urlMode uint8

const (
	urlTemplate urlMode = iota // scheme, host and path with ID-like segments replaced by {id}
	urlPath                    // scheme, host and path as sent
	urlOrigin                  // scheme and host only
)

func (m urlMode) String() string {
	return [...]string{"template", "path", "origin"}[m]
}

const (
	idPlaceholder = "{id}"
	ipPlaceholder = "{ip}"
)

// urlSanitizer reduces a page URL to what §2 needs ("from which page a search
// was initiated"): never credentials, query, fragment or identifiers. It is a
// hand-written single pass rather than net/url because the output must be
// canonical (so sanitizing is idempotent) and the kept path must cost at most
// one allocation.
type urlSanitizer struct {
	mode   urlMode
	maxLen int
	query  map[string]struct{} // allowed query parameter names; nil: none
}

// sanitize returns the sanitized URL, or false when the URL must be dropped:
// too long, not http(s), or not parseable.
func (s *urlSanitizer) sanitize(raw string) (string, bool) {
	if raw == "" || len(raw) > s.maxLen {
		return "", false
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f || c == '\\' {
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
		return "", false
	}

	end := authorityEnd.index(rest)
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:] // user info never leaves
	}
	host, port, ok := splitHostPort(authority)
	if !ok {
		return "", false
	}

	path, query := tail, ""
	if i := pathEnd.index(tail); i >= 0 {
		path = tail[:i]
		if tail[i] == '?' {
			query = tail[i+1:]
			if j := strings.IndexByte(query, '#'); j >= 0 {
				query = query[:j]
			}
		}
	}

	var arr [256]byte
	buf := append(arr[:0], scheme...)
	buf = append(buf, "://"...)
	if buf, ok = appendHost(buf, host); !ok {
		return "", false
	}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return "", false
		}
		if !(scheme == "http" && n == 80) && !(scheme == "https" && n == 443) {
			buf = append(buf, ':')
			buf = strconv.AppendUint(buf, n, 10)
		}
	}
	if s.mode != urlOrigin {
		if buf, ok = s.appendPath(buf, path); !ok {
			return "", false
		}
		if s.query != nil && query != "" {
			if buf, ok = s.appendQuery(buf, query); !ok {
				return "", false
			}
		}
	}
	if string(buf) == raw { // no allocation: the common case on re-checks
		return raw, true
	}
	return string(buf), true
}

// byteSet is strings.IndexAny's set built once, not on every call (these
// run per URL on the hot path).
type byteSet [256]bool

func newByteSet(chars string) *byteSet {
	var b byteSet
	for i := 0; i < len(chars); i++ {
		b[chars[i]] = true
	}
	return &b
}

func (b *byteSet) index(s string) int {
	for i := 0; i < len(s); i++ {
		if b[s[i]] {
			return i
		}
	}
	return -1
}

var (
	authorityEnd = newByteSet("/?#")
	pathEnd      = newByteSet("?#")
	braces       = newByteSet("{}")
)

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// splitHostPort splits an authority (without user info) into host and port.
func splitHostPort(a string) (host, port string, ok bool) {
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", false
		}
		host, rest := a[:end+1], a[end+1:]
		if rest == "" {
			return host, "", true
		}
		if rest[0] != ':' {
			return "", "", false
		}
		return host, rest[1:], validPort(rest[1:])
	}
	if i := strings.LastIndexByte(a, ':'); i >= 0 {
		return a[:i], a[i+1:], validPort(a[i+1:])
	}
	return a, "", true
}

func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// appendHost writes the host lowercased, or {ip} for any IP literal (an IP
// address identifies a network, often a person's).
func appendHost(buf []byte, host string) ([]byte, bool) {
	if host == "" || len(host) > 253 {
		return buf, false
	}
	if host == ipPlaceholder {
		return append(buf, ipPlaceholder...), true
	}
	if host[0] == '[' {
		if _, err := netip.ParseAddr(host[1 : len(host)-1]); err != nil {
			return buf, false
		}
		return append(buf, ipPlaceholder...), true
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(isAlnum(c) || c == '-' || c == '.' || c == '_') {
			return buf, false
		}
	}
	if isIPv4Host(host) {
		return append(buf, ipPlaceholder...), true
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf, true
}

// isIPv4Host follows the WHATWG URL rule browsers use: a host whose last label
// is numeric (decimal or 0x-hex) is an IPv4 address, so 2130706433 and
// 0x7f.1 are IPs too.
func isIPv4Host(host string) bool {
	last := strings.TrimSuffix(host, ".")
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	if last == "" {
		return false
	}
	if len(last) > 1 && (last[0] == '0') && (last[1] == 'x' || last[1] == 'X') {
		last = last[2:]
		for i := 0; i < len(last); i++ {
			if !isHex(last[i]) {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return false
		}
	}
	return true
}

func (s *urlSanitizer) appendPath(buf []byte, path string) ([]byte, bool) {
	if path == "" {
		return append(buf, '/'), true
	}
	for _, c := range []byte(path) {
		if !isPathChar(c) {
			return buf, false
		}
	}
	// path starts with '/': write each segment after its slash.
	for rest := path[1:]; ; {
		buf = append(buf, '/')
		seg := rest
		i := strings.IndexByte(rest, '/')
		if i >= 0 {
			seg = rest[:i]
		}
		var ok bool
		if buf, ok = s.appendSegment(buf, seg); !ok {
			return buf, false
		}
		if i < 0 {
			return buf, true
		}
		rest = rest[i+1:]
	}
}

func (s *urlSanitizer) appendSegment(buf []byte, seg string) ([]byte, bool) {
	stem, ext := splitExt(seg)
	if stem == idPlaceholder {
		return append(buf, seg...), true
	}
	if braces.index(seg) >= 0 || !validPercent(seg) {
		return buf, false
	}
	if s.mode == urlTemplate && hasAt(seg) {
		return append(buf, idPlaceholder...), true // an address: not even its TLD stays
	}
	if s.mode == urlTemplate && (len(seg) > 64 || idLike(stem)) {
		buf = append(buf, idPlaceholder...)
		return append(buf, ext...), true
	}
	return append(buf, seg...), true
}

// appendQuery keeps only allowlisted parameters (the first of each), their
// values templated like path segments.
func (s *urlSanitizer) appendQuery(buf []byte, query string) ([]byte, bool) {
	sep := byte('?')
	var kept [8]string
	n := 0
	for query != "" {
		pair := query
		if i := strings.IndexByte(query, '&'); i >= 0 {
			pair, query = query[:i], query[i+1:]
		} else {
			query = ""
		}
		key, val, _ := strings.Cut(pair, "=")
		if _, ok := s.query[key]; !ok || n == len(kept) || contains(kept[:n], key) {
			continue
		}
		if braces.index(val) >= 0 && val != idPlaceholder || !validPercent(val) {
			return buf, false
		}
		kept[n] = key
		n++
		buf = append(buf, sep)
		sep = '&'
		buf = append(buf, key...)
		buf = append(buf, '=')
		if s.mode == urlTemplate && val != idPlaceholder && (len(val) > 64 || idLike(val)) {
			val = idPlaceholder
		}
		buf = append(buf, val...)
	}
	return buf, true
}

func hasAt(s string) bool {
	return strings.IndexByte(s, '@') >= 0 || strings.Contains(s, "%40")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// splitExt splits a file extension (1–5 alphanumerics) off a path segment, so
// /item/1005006123456789.html templates to /item/{id}.html.
func splitExt(seg string) (stem, ext string) {
	i := strings.LastIndexByte(seg, '.')
	if i <= 0 || len(seg)-i-1 < 1 || len(seg)-i-1 > 5 {
		return seg, ""
	}
	for j := i + 1; j < len(seg); j++ {
		if !isAlnum(seg[j]) {
			return seg, ""
		}
	}
	return seg[:i], seg[i:]
}

// idLike reports whether a raw (percent-encoded) path segment or value looks
// like an identifier rather than a word: a long digit run, a UUID, a hex or
// mixed letter-digit token, a long mixed-case token, or anything with '@'.
func idLike(raw string) bool {
	if strings.IndexByte(raw, '%') < 0 {
		return idLikeDecoded(raw) // the common case: nothing to decode, no copy
	}
	var arr [128]byte
	dec, ok := percentDecode(arr[:0], raw)
	return !ok || idLikeDecoded(dec)
}

// byteString is a segment, as sent or percent-decoded.
type byteString interface{ ~string | ~[]byte }

func idLikeDecoded[T byteString](dec T) bool {
	if len(dec) > 64 || !validUTF8(dec) || isUUID(dec) {
		return true
	}
	for start := 0; start < len(dec); {
		end := start
		var digits, letters, upper, lower, run, maxRun int
		hex := true
		for end < len(dec) && (isAlnum(dec[end]) || dec[end] >= 0x80) {
			c := dec[end]
			switch {
			case c >= '0' && c <= '9':
				digits++
				run++
				maxRun = max(maxRun, run)
			case c >= 0x80:
				letters++
				hex = false
				run = 0
			default:
				letters++
				run = 0
				if c <= 'Z' {
					upper++
				} else {
					lower++
				}
				if !isHex(c) {
					hex = false
				}
			}
			end++
		}
		n := end - start
		switch {
		case maxRun >= 5,
			hex && n >= 16 && digits > 0,
			n >= 8 && letters > 0 && digits >= 2,
			n >= 24 && upper > 0 && lower > 0,
			n >= 32:
			return true
		}
		if end < len(dec) && dec[end] == '@' {
			return true
		}
		start = end + 1
	}
	return false
}

func validUTF8[T byteString](b T) bool {
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x80 {
			return utf8.ValidString(string(b[i:])) // rare: non-ASCII after decoding
		}
	}
	return true
}

func isUUID[T byteString](b T) bool {
	if len(b) != 36 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func percentDecode(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return dst, false
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		dst = append(dst, c)
	}
	return dst, true
}

func validPercent(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return false
		}
	}
	return true
}

// isPathChar admits what browsers send unencoded in a path; anything else
// means the URL was not produced by a browser and is dropped.
func isPathChar(c byte) bool {
	switch c {
	case '"', '<', '>', '`', '\\':
		return false
	}
	return c > ' ' && c < 0x7f
}

func isQueryKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(isAlnum(c) || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
