package pageurl

import (
	"os"
	"strings"
	"sync"
	"testing"
)

func TestGeneralizeTable(t *testing.T) {
	g := seed()
	if len(generalizeCases) < 150 {
		t.Fatalf("the rule table needs at least 150 URLs, has %d", len(generalizeCases))
	}
	names := map[string]bool{}
	for _, tc := range generalizeCases {
		if names[tc.name] {
			t.Fatalf("case name %q used twice", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			got, ok := g.Generalize(tc.in)
			if tc.want == "" {
				if ok {
					t.Fatalf("Generalize(%q) = %q, want dropped", tc.in, got)
				}
				return
			}
			if !ok || got != tc.want {
				t.Fatalf("Generalize(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
			}
			again, ok := g.Generalize(got)
			if !ok || again != got {
				t.Fatalf("not a fixed point: Generalize(%q) = %q, %v", got, again, ok)
			}
			checkShape(t, g, tc.in, got)
		})
	}
}

// TestPurposeKept: the data still answers "from which kinds of pages do
// searches start": pages of one kind on one site give one string.
func TestPurposeKept(t *testing.T) {
	g := seed()
	groups := []struct {
		want string
		in   []string
	}{
		{"https://www.aliexpress.com/item/{id}.html", []string{
			"https://www.aliexpress.com/item/1005006123456789.html",
			"https://www.aliexpress.com/item/1005001234567890.html?spm=a2g0o.home.0&pdp_npi=4%40dis",
			"https://WWW.ALIEXPRESS.COM/item/4000123456789.html#nav-review",
			"https://www.aliexpress.com:443/item/32812345678.html?gatewayAdapt=4itemAdapt",
			"https://jane:pw@www.aliexpress.com/item/1005006999999999.html",
		}},
		{"https://www.aliexpress.com/w/wholesale-{query}.html", []string{
			"https://www.aliexpress.com/w/wholesale-phone-case.html",
			"https://www.aliexpress.com/w/wholesale-wedding-dress-size-14.html?spm=a2g0o.home",
			"https://www.aliexpress.com/w/wholesale-%E6%89%8B%E6%9C%BA.html",
			"https://www.aliexpress.com/w/wholesale-john-smith-123-main-street.html",
		}},
		{"https://www.aliexpress.com/store/{id}", []string{
			"https://www.aliexpress.com/store/1101234567",
			"https://www.aliexpress.com/store/912345678?spm=a2g0o.detail",
		}},
		{"https://www.aliexpress.com/category/{id}/{name}.html", []string{
			"https://www.aliexpress.com/category/100003109/women-clothing.html",
			"https://www.aliexpress.com/category/44/consumer-electronics.html",
		}},
		{"https://www.alibaba.com/product-detail/{id}.html", []string{
			"https://www.alibaba.com/product-detail/Wireless-Earbuds-Bluetooth-5-3_1600912345678.html",
			"https://www.alibaba.com/product-detail/Ceramic-Mug_62012345678.html?spm=a2700.galleryofferlist",
		}},
		{"https://www.alibaba.com/showroom/{query}.html", []string{
			"https://www.alibaba.com/showroom/ceramic-mug.html",
			"https://www.alibaba.com/showroom/led-strip-lights-5050.html",
		}},
		{"https://detail.1688.com/offer/{id}.html", []string{
			"https://detail.1688.com/offer/678912345678.html",
			"https://detail.1688.com/offer/612345678901.html?spm=a26352.13672862&offerId=1",
		}},
		{"https://{sub}.1688.com/page/offerlist.htm", []string{
			"https://shop1434567890123.1688.com/page/offerlist.htm",
			"https://zhangsanfactory.1688.com/page/offerlist.htm?tradenumFilter=true",
		}},
		{"https://www.facebook.com/{seg}", []string{
			"https://www.facebook.com/john.smith",
			"https://www.facebook.com/jane.doe",
			"https://www.facebook.com/MariaGarcia",
		}},
		{"https://www.linkedin.com/in/{id}/", []string{
			"https://www.linkedin.com/in/jane-doe-12345678/",
			"https://www.linkedin.com/in/john-smith-4b2a19/",
		}},
		{"https://{sub}.github.io/", []string{
			"https://alice.github.io/",
			"https://bob-the-builder.github.io/",
		}},
		{"https://www.google.com/search", []string{
			"https://www.google.com/search?q=john+smith+phone+number",
			"https://www.google.com/search?q=ceramic+mug&tbm=isch",
		}},
		{"https://{ip}/", []string{
			"http://192.168.1.20/", "http://[2001:db8::1]/", "http://1-2-3-4.sslip.io/", "http://10.0.0.1.nip.io/",
		}},
	}
	for _, gr := range groups {
		for _, in := range gr.in {
			got, ok := g.Generalize(in)
			want := gr.want
			if strings.HasPrefix(in, "http://") && strings.HasPrefix(want, "https://") {
				want = "http://" + strings.TrimPrefix(want, "https://")
			}
			if !ok || got != want {
				t.Errorf("Generalize(%q) = %q, %v; want %q (one string for the kind of page)", in, got, ok, want)
			}
		}
	}
}

func TestExplain(t *testing.T) {
	g := seed()
	in := "https://jane:pw@shop123.1688.com/offer/678912345678.html?spm=x#frag"
	out, ok, steps := g.Explain(in)
	if want, _ := g.Generalize(in); !ok || out != want {
		t.Fatalf("Explain = %q, %v; Generalize = %q", out, ok, want)
	}
	var rules []string
	for _, s := range steps {
		rules = append(rules, s.Part+": "+s.Rule)
	}
	all := strings.Join(rules, "\n")
	for _, want := range []string{"userinfo: removed", "fragment: removed", "host label: subdomain label not in the allowlist",
		"host: registrable domain", "path: site template (1688)", "query: removed"} {
		if !strings.Contains(all, want) {
			t.Errorf("Explain steps lack %q:\n%s", want, all)
		}
	}
	if _, ok, steps := g.Explain("ftp://x"); ok || len(steps) == 0 {
		t.Errorf("a dropped URL must be explained: %v %v", ok, steps)
	}
}

func TestDescribe(t *testing.T) {
	d := seed().Describe()
	for _, want := range []string{"generalize mode", "{sub}", "aliexpress, alibaba, 1688", "no query", "IP hosts as {ip}"} {
		if !strings.Contains(d, want) {
			t.Errorf("Describe() = %q lacks %q", d, want)
		}
	}
	if seed().Mode() != "generalize" || seed().MaxLength() != MaxLength || len(seed().QueryAllowlist()) != 0 {
		t.Errorf("accessors: %s %d %v", seed().Mode(), seed().MaxLength(), seed().QueryAllowlist())
	}
}

// checkShape asserts what generalize mode may write: the scheme, allowlisted
// subdomain labels or {sub}, the input's own registrable domain (or {ip},
// {host}, a public suffix), a port, and path segments that are path words,
// placeholders or template text, with an allowlisted extension. Nothing else
// of the input can be in it.
func checkShape(t *testing.T, g *Generalizer, in, out string) {
	t.Helper()
	if strings.ContainsAny(out, "#@ ") || (g.query == nil && strings.Contains(out, "?")) {
		t.Fatalf("%q -> %q: fragment, user info or query survived", in, out)
	}
	scheme, rest, _ := strings.Cut(out, "://")
	if scheme != "http" && scheme != "https" {
		t.Fatalf("%q -> %q: scheme", in, out)
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		t.Fatalf("%q -> %q: no path", in, out)
	}
	hostport, path := rest[:slash], rest[slash:]
	if q := strings.IndexByte(path, '?'); q >= 0 {
		path = path[:q]
	}
	host, _, _ := strings.Cut(hostport, ":")
	if host != phIP && host != phHost && ICANNSuffix(host) != host {
		domain := registrable(host)
		if domain == "" || !strings.Contains(strings.ToLower(in), domain) && !strings.Contains(in, "{sub}") {
			t.Fatalf("%q -> %q: host %q is not the input's registrable domain", in, out, host)
		}
		for _, label := range strings.Split(strings.TrimSuffix(strings.TrimSuffix(host, domain), "."), ".") {
			if _, ok := g.subdomains[label]; label != "" && label != phSub && !ok {
				t.Fatalf("%q -> %q: host label %q is not allowlisted", in, out, label)
			}
		}
	}
	if st := g.sites[registrable(host)]; st != nil {
		for _, tp := range st.templates {
			if tp.src == path {
				return
			}
		}
	}
	for _, seg := range strings.Split(path[1:], "/") {
		stem := seg
		if i := strings.LastIndexByte(seg, '.'); i > 0 {
			if _, ok := g.exts[seg[i+1:]]; ok {
				stem = seg[:i]
			}
		}
		if _, ok := g.words[stem]; !ok && stem != "" && stem != phID && stem != phSeg {
			t.Fatalf("%q -> %q: path segment %q is neither a word nor a placeholder", in, out, seg)
		}
	}
}

// TestREADMETable runs every example of README.md through the seed rules,
// so the documentation cannot drift from the code.
func TestREADMETable(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(string(raw), "\n") {
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), " | ")
		if len(cells) != 3 || !strings.HasPrefix(cells[1], "`") || !strings.HasSuffix(cells[2], " |") {
			continue
		}
		in := strings.ReplaceAll(strings.Trim(cells[1], "`"), "\x00", "|")
		want := strings.TrimSuffix(cells[2], " |")
		if want != "*(dropped)*" && !strings.HasPrefix(want, "`http") {
			continue // another table
		}
		rows++
		got, ok := seed().Generalize(in)
		switch {
		case want == "*(dropped)*":
			if ok {
				t.Errorf("README %s: %q -> %q, want dropped", cells[0], in, got)
			}
		case !ok || "`"+got+"`" != want:
			t.Errorf("README %s: %q -> %q, %v; want %s", cells[0], in, got, ok, want)
		}
	}
	if rows < 40 {
		t.Fatalf("the README's example table has %d rows, want at least 40", rows)
	}
}

// TestCachesChangeNoAnswer: the host and output caches are optimizations,
// not rules. A generalizer using them answers every table URL exactly as one
// without them, from several goroutines at once (run with -race), and an
// output seen before is returned without a new allocation.
func TestCachesChangeNoAnswer(t *testing.T) {
	cached, plain := seed(), uncached(seed())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for round := range 3 {
				for _, tc := range generalizeCases {
					want, wantOK := plain.Generalize(tc.in)
					got, ok := cached.Generalize(tc.in)
					if got != want || ok != wantOK {
						t.Errorf("round %d %q: cached (%q, %v), uncached (%q, %v)", round, tc.in, got, ok, want, wantOK)
					}
				}
			}
		})
	}
	wg.Wait()
	const in = "https://www.aliexpress.com/item/1005006841234567.html?spm=a2g0o"
	cached.Generalize(in)
	if n := testing.AllocsPerRun(50, func() { cached.Generalize(in) }); n != 0 {
		t.Errorf("a repeated item page allocates %v times, want 0 (output interned)", n)
	}
}
