package pageurl

import (
	"strings"
	"testing"

	"github.com/sbi-telemetry/otelcol-sbi/internal/slotcache"
)

// FuzzGeneralize: in every mode, never a panic; the output is an http(s) URL
// without user info or fragment, without a query unless one is allowlisted;
// generalizing is idempotent and the output is a fixed point (what the egress
// guard relies on). In generalize mode the output is moreover made only of
// the input's registrable domain, allowlisted labels, words, template text
// and placeholders (checkShape).
func FuzzGeneralize(f *testing.F) {
	for _, tc := range generalizeCases {
		f.Add(tc.in)
	}
	for _, tc := range templateCases {
		f.Add(tc.in)
	}
	for _, s := range []string{"https://a.b.example.com/x?lang=en&q=a@b&lang=fr#f", "http://[::1]:8080/%41%2540", "https://{sub}.{sub}.x.com/{id}.HTML",
		"https://WWW.X.COM./A/B/../C//", "https://1-2-3-4-5.x.io/", "https://xn--80ak6aa92e.com/",
		"https://a.b.c.example.com" + strings.Repeat("/a", 1010)} {
		f.Add(s)
	}
	modes := []struct {
		name string
		g    *Generalizer
	}{
		{"seed", seed()},
		{"generalize with query allowlist", withQuery(seed(), "lang", "q")},
		{"generalize empty vocabulary", &Generalizer{mode: modeGeneralize, maxLen: MaxLength}},
		{"template", &Generalizer{mode: modeTemplate, maxLen: MaxLength}},
		{"path", &Generalizer{mode: modePath, maxLen: MaxLength}},
		{"origin", &Generalizer{mode: modeOrigin, maxLen: MaxLength}},
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, m := range modes {
			out, ok := m.g.Generalize(in)
			// The caches are no rule: without them, the same answer, and
			// the output is a fixed point without the output cache's help.
			plain := uncached(m.g)
			if pout, pok := plain.Generalize(in); pout != out || pok != ok {
				t.Fatalf("%s: %q: cached (%q, %v), uncached (%q, %v)", m.name, in, out, ok, pout, pok)
			}
			if !ok {
				continue
			}
			if !strings.HasPrefix(out, "https://") && !strings.HasPrefix(out, "http://") {
				t.Fatalf("%s: %q -> %q: not http(s)", m.name, in, out)
			}
			if strings.ContainsAny(out, "# ") || len(out) > m.g.maxLen {
				t.Fatalf("%s: %q -> %q: fragment or space", m.name, in, out)
			}
			authority, _, _ := strings.Cut(out[strings.Index(out, "://")+3:], "/")
			if strings.Contains(authority, "@") || m.g.query == nil && strings.Contains(out, "?") {
				t.Fatalf("%s: %q -> %q: query or user info survived", m.name, in, out)
			}
			if m.g.mode != modePath && m.g.query == nil && strings.Contains(out, "@") {
				t.Fatalf("%s: %q -> %q: an address survived", m.name, in, out)
			}
			again, ok := plain.Generalize(out)
			if !ok || again != out {
				t.Fatalf("%s: not idempotent: %q -> %q -> %q (%v)", m.name, in, out, again, ok)
			}
			if m.g.mode == modeGeneralize && m.g.query == nil {
				checkShape(t, m.g, in, out)
			}
		}
	})
}

// uncached is g without its host and output caches.
func uncached(g *Generalizer) *Generalizer {
	c := *g
	c.hosts, c.outputs = nil, nil
	return &c
}

func withQuery(g *Generalizer, keys ...string) *Generalizer {
	c := *g
	c.hosts, c.outputs = slotcache.New[hostEntry](cacheSlots), slotcache.New[string](cacheSlots) // outputs differ from g's
	c.query = map[string]struct{}{}
	for _, k := range keys {
		c.query[k] = struct{}{}
	}
	return &c
}

func TestGeneralizeQueryAllowlist(t *testing.T) {
	g := withQuery(seed(), "lang", "page")
	for in, want := range map[string]string{
		"https://www.example.com/search?q=john&lang=en&page=2":  "https://www.example.com/search?lang=en&page={id}",
		"https://www.example.com/?lang=Jane&lang=en":            "https://www.example.com/?lang={seg}",
		"https://www.example.com/?page=&x=1":                    "https://www.example.com/?page=",
		"https://www.example.com/?lang=en-us#frag":              "https://www.example.com/?lang=en-us",
		"https://www.example.com/item/1.html?lang={seg}&page=3": "https://www.example.com/item/{id}.html?lang={seg}&page={id}",
	} {
		got, ok := g.Generalize(in)
		if !ok || got != want {
			t.Errorf("Generalize(%q) = %q, %v; want %q", in, got, ok, want)
		}
		if again, _ := g.Generalize(got); again != got {
			t.Errorf("not a fixed point: %q -> %q", got, again)
		}
	}
}
