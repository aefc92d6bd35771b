// Package scan finds personal data and secrets in free-form strings: e-mail
// addresses, card numbers (Luhn), IBANs (mod 97), phone numbers, IPv4/IPv6
// addresses, JWTs, bearer tokens and long secrets. A policy attribute rule
// names the detectors it runs and whether a finding drops the value or is
// masked in place.
//
// Clients hide data from naive scanners with separators and encodings, so a
// value is scanned as sent and, when it holds percent-encoding, decoded (up to
// three times: %2540 is a double-encoded @); digit groups may be separated by
// spaces, dashes, dots, underscores or slashes.
package scan

import (
	"fmt"
	"math/big"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// A detector finds one kind of personal data or secret in free-form text.
// Regular expressions find candidates; checksums (Luhn, IBAN mod 97) and
// address parsing confirm them, so version strings and dates are not masked.
type detector struct {
	name   string
	hint   func(string) bool // cheap pre-filter: false means no match is possible
	re     *regexp.Regexp
	verify func(string) bool // nil: every match counts
}

var detectors = map[string]*detector{
	"email": {
		hint: func(s string) bool { return strings.IndexByte(s, '@') >= 0 },
		re:   regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`),
	},
	"card": {
		hint:   func(s string) bool { return countDigits(s) >= 13 },
		re:     regexp.MustCompile(`\d(?:[ \-_./]?\d){12,18}`),
		verify: luhn,
	},
	"iban": {
		hint:   func(s string) bool { return len(s) >= 15 && countDigits(s) >= 2 },
		re:     regexp.MustCompile(`[A-Z]{2}\d{2}(?:[ \-_./]?[A-Z0-9]){11,30}`),
		verify: ibanValid,
	},
	"phone": {
		hint: func(s string) bool { return countDigits(s) >= 7 },
		re:   regexp.MustCompile(`\+?\(?\d(?:[ ().\-_/]{0,2}\d){6,14}`),
	},
	"ip": {
		hint:   func(s string) bool { return countDigits(s) >= 4 || strings.Count(s, ":") >= 2 },
		re:     regexp.MustCompile(`(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}`),
		verify: func(s string) bool { a, err := netip.ParseAddr(s); return err == nil && a.IsValid() },
	},
	"jwt": {
		hint: func(s string) bool { return strings.Contains(s, "eyJ") },
		re:   regexp.MustCompile(`eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*`),
	},
	"bearer": {
		hint: func(s string) bool { return len(s) > 7 },
		re:   regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9\-._~+/]+=*`),
	},
	"secret": {
		hint:   func(s string) bool { return len(s) >= 32 },
		re:     regexp.MustCompile(`[A-Za-z0-9+/_\-]{32,}={0,2}`),
		verify: mixedClasses,
	},
}

// detectorNames lists the detectors most specific first; scans run in this
// order whatever order a policy names them in, so an IP address is masked as
// an IP, not as a phone number.
var detectorNames = []string{"email", "jwt", "bearer", "ip", "iban", "card", "phone", "secret"}

// Spec is the `scan` block of an attribute rule in a policy file.
type Spec struct {
	Detectors []string `yaml:"detectors"`
	Action    string   `yaml:"action"` // drop (default) or mask
}

// Rule is a compiled Spec.
type Rule struct {
	detectors []*detector
	mask      bool // true: replace matches; false: drop the attribute
}

// Names lists every detector, most specific first.
func Names() []string { return slices.Clone(detectorNames) }

// Detectors lists the rule's detectors, most specific first.
func (r *Rule) Detectors() []string {
	out := make([]string, len(r.detectors))
	for i, d := range r.detectors {
		out[i] = d.name
	}
	return out
}

// Masks reports whether a finding is masked (true) or drops the value.
func (r *Rule) Masks() bool { return r.mask }

// Compile checks a Spec and compiles it.
func Compile(s *Spec) (*Rule, error) {
	r := &Rule{}
	switch s.Action {
	case "", "drop":
	case "mask":
		r.mask = true
	default:
		return nil, fmt.Errorf("unknown action %q (want drop or mask)", s.Action)
	}
	if len(s.Detectors) == 0 {
		return nil, fmt.Errorf("detectors: name at least one of %s", strings.Join(detectorNames, ", "))
	}
	for _, name := range s.Detectors {
		if _, ok := detectors[name]; !ok {
			return nil, fmt.Errorf("unknown detector %q (want one of %s)", name, strings.Join(detectorNames, ", "))
		}
	}
	for _, name := range detectorNames {
		if slices.Contains(s.Detectors, name) {
			r.detectors = append(r.detectors, detectors[name])
		}
	}
	return r, nil
}

func maskFor(d *detector) string { return "[redacted:" + d.name + "]" }

// Scan reports whether s holds anything the rule detects and, for a masking
// rule, s with every finding replaced by a marker no detector matches (so
// masking is idempotent). A finding only in the percent-decoded form masks
// the decoded form.
func (r *Rule) Scan(s string) (found bool, masked string) {
	if found, masked = r.scan(s); found {
		return found, masked
	}
	dec, ok := decoded(s)
	if !ok {
		return false, s
	}
	if found, masked = r.scan(dec); found {
		return found, masked
	}
	return false, s
}

// decoded percent-decodes s until it no longer changes (at most three times);
// false when s holds no valid percent-encoding.
func decoded(s string) (string, bool) {
	changed := false
	for range 3 {
		if strings.IndexByte(s, '%') < 0 {
			break
		}
		d, err := url.PathUnescape(s)
		if err != nil || d == s {
			break
		}
		s, changed = d, true
	}
	return s, changed
}

func (r *Rule) scan(s string) (found bool, masked string) {
	masked = s
	for _, d := range r.detectors {
		if !d.hint(masked) {
			continue
		}
		locs := d.re.FindAllStringIndex(masked, -1)
		var b strings.Builder
		last := 0
		for _, loc := range locs {
			if d.verify != nil && !d.verify(masked[loc[0]:loc[1]]) {
				continue
			}
			found = true
			if !r.mask {
				return true, ""
			}
			b.WriteString(masked[last:loc[0]])
			b.WriteString(maskFor(d))
			last = loc[1]
		}
		if last > 0 {
			b.WriteString(masked[last:])
			masked = b.String()
		}
	}
	return found, masked
}

// countDigits feeds the detectors' pre-filters: a phone number needs 7
// digits, a card 13, so most short values skip the regular expressions.
func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

func digitsOf(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			out = append(out, s[i]-'0')
		}
	}
	return out
}

func luhn(s string) bool {
	d := digitsOf(s)
	if len(d) < 13 || len(d) > 19 {
		return false
	}
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i])
		if (len(d)-1-i)%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// ibanValid checks the ISO 13616 mod-97 checksum.
func ibanValid(s string) bool {
	s = strings.Map(func(c rune) rune {
		if c == ' ' || c == '-' || c == '_' || c == '.' || c == '/' {
			return -1
		}
		return c
	}, s)
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	rearranged := s[4:] + s[:4]
	var num strings.Builder
	for i := 0; i < len(rearranged); i++ {
		c := rearranged[i]
		switch {
		case c >= '0' && c <= '9':
			num.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			fmt.Fprintf(&num, "%d", int(c-'A')+10)
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(num.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// mixedClasses tells a random token (two or more of upper, lower, digit) from
// a long word.
func mixedClasses(s string) bool {
	var upper, lower, digit int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z':
			upper = 1
		case c >= 'a' && c <= 'z':
			lower = 1
		case c >= '0' && c <= '9':
			digit = 1
		}
	}
	return upper+lower+digit >= 2
}

func init() {
	for name, d := range detectors {
		d.name = name
	}
}
