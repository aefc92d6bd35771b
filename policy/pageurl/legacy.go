package pageurl

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

// The template, path and origin modes, moved from policy/url.go unchanged in
// behaviour, and the parsing helpers every mode shares.

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
	if host == phIP {
		return append(buf, phIP...), true
	}
	if host[0] == '[' {
		if _, err := netip.ParseAddr(host[1 : len(host)-1]); err != nil {
			return buf, false
		}
		return append(buf, phIP...), true
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(isAlnum(c) || c == '-' || c == '.' || c == '_') {
			return buf, false
		}
	}
	if isIPv4Host(host) {
		return append(buf, phIP...), true
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

func (g *Generalizer) appendPath(buf []byte, path string) ([]byte, bool) {
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
		if buf, ok = g.appendSegment(buf, seg); !ok {
			return buf, false
		}
		if i < 0 {
			return buf, true
		}
		rest = rest[i+1:]
	}
}

func (g *Generalizer) appendSegment(buf []byte, seg string) ([]byte, bool) {
	stem, ext := splitExt(seg)
	if stem == phID {
		return append(buf, seg...), true
	}
	if braces.index(seg) >= 0 || !validPercent(seg) {
		return buf, false
	}
	if g.mode == modeTemplate && hasAt(seg) {
		return append(buf, phID...), true // an address: not even its TLD stays
	}
	if g.mode == modeTemplate && (len(seg) > 64 || idLike(stem)) {
		buf = append(buf, phID...)
		return append(buf, ext...), true
	}
	return append(buf, seg...), true
}

// appendQuery keeps only allowlisted parameters (the first of each), their
// values templated like path segments.
func (g *Generalizer) appendQuery(buf []byte, query string) ([]byte, bool) {
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
		if _, ok := g.query[key]; !ok || n == len(kept) || contains(kept[:n], key) {
			continue
		}
		if g.mode != modeGeneralize && braces.index(val) >= 0 && val != phID || !validPercent(val) {
			return buf, false
		}
		kept[n] = key
		n++
		buf = append(buf, sep)
		sep = '&'
		buf = append(buf, key...)
		buf = append(buf, '=')
		switch {
		case g.mode == modeGeneralize:
			if val != "" {
				buf, _ = g.appendStem(buf, val)
			}
			continue
		case g.mode == modeTemplate && val != phID && (len(val) > 64 || idLike(val)):
			val = phID
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
