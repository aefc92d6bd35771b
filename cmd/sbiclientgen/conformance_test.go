package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/policy/pageurl"
)

// conformanceFile is policy/pageurl's conformance corpus: its rule table as
// JSON, which the package's Go tests keep equal to the engine and
// client/js/test/pageurl.test.mjs runs against the port.
const conformanceFile = "../../policy/pageurl/testdata/conformance.json"

type conformanceCase struct {
	Name string `json:"name"`
	In   string `json:"in"`
	Want string `json:"want"` // "" means dropped
}

func conformanceCases(t *testing.T) []conformanceCase {
	t.Helper()
	b, err := os.ReadFile(conformanceFile)
	require.NoError(t, err)
	var cases []conformanceCase
	require.NoError(t, json.Unmarshal(b, &cases))
	require.GreaterOrEqual(t, len(cases), 100)
	return cases
}

// TestConformanceCorpusSeedPolicy: the corpus holds under the policy the
// client is generated from (config/policy.yaml), not only the package's own.
func TestConformanceCorpusSeedPolicy(t *testing.T) {
	_, g, err := loadURLSpec(seedPolicy)
	require.NoError(t, err)
	for _, c := range conformanceCases(t) {
		got := ""
		if out := generalize(g, c.In); out != nil {
			got = *out
		}
		require.Equal(t, c.Want, got, "%s: %q", c.Name, c.In)
	}
}

func generalize(g *pageurl.Generalizer, in string) *string {
	out, ok := g.Generalize(in)
	if !ok {
		return nil
	}
	return &out
}

// node runs a client tool with input as JSON on stdin and decodes its JSON
// output. Without node the test is skipped, except in CI.
func node(t *testing.T, input any, args ...string) []*string {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node is required for the differential test: %v", err)
		}
		t.Skipf("node not found: %v", err)
	}
	in, err := json.Marshal(input)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{filepath.Join(clientDir, "test", "tools", "generalize.mjs")}, args...)...)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node: %s", stderr.String())
	var res []*string
	require.NoError(t, json.Unmarshal(out, &res))
	return res
}

// TestDifferentialURLs feeds 12,000 generated URLs, the edge cases and the
// conformance corpus to the collector's generalizer and to the client's port
// and requires identical output for every one.
func TestDifferentialURLs(t *testing.T) {
	_, g, err := loadURLSpec(seedPolicy)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(2026, 12)) // fixed seed: the same URLs every run
	const generated = 12000
	urls := make([]string, 0, generated+len(edgeInputs)+300)
	for range generated {
		urls = append(urls, randomURL(r))
	}
	urls = append(urls, edgeInputs...)
	// Near max_length: placeholders longer than what they replace.
	for _, n := range []int{300, 400, 1000, 1017} {
		urls = append(urls, "https://x.com"+strings.Repeat("/a", n), "https://x.com"+strings.Repeat("/1", n))
	}
	for _, c := range conformanceCases(t) {
		urls = append(urls, c.In)
	}
	got := node(t, urls)
	require.Len(t, got, len(urls))
	var diffs []string
	dropped := 0
	for i, u := range urls {
		want := generalize(g, u)
		if want == nil {
			dropped++
		}
		if !equalPtr(want, got[i]) {
			diffs = append(diffs, fmt.Sprintf("%q: go %s, js %s", u, show(want), show(got[i])))
		}
	}
	require.Empty(t, diffs, "%d of %d URLs differ; first: %v", len(diffs), len(urls), diffs[:min(len(diffs), 20)])
	// The generator must exercise both outcomes broadly.
	require.Greater(t, dropped, len(urls)/20)
	require.Less(t, dropped, len(urls)*2/3)
}

// TestDifferentialPublicSuffix checks the client's public suffix table
// against x/net's on hosts under every rule of the list, ICANN and private
// (a private rule must not change the ICANN answer), with a wildcard's and an
// exception's neighbours.
func TestDifferentialPublicSuffix(t *testing.T) {
	nodes, _, err := loadPSL()
	require.NoError(t, err)
	var rules []string
	pslRules(nodes, "", &rules)
	require.Greater(t, len(rules), 5000)
	var hosts []string
	for _, rule := range rules {
		base := strings.TrimPrefix(strings.TrimPrefix(rule, "!"), "*.")
		hosts = append(hosts, base, "a."+base, "b.a."+base)
	}
	hosts = append(hosts, "unknowntld", "a.unknowntld", "com", "localhost")
	got := node(t, hosts, "--suffix")
	require.Len(t, got, len(hosts))
	var diffs []string
	for i, h := range hosts {
		want := pageurl.ICANNSuffix(h)
		if got[i] == nil || *got[i] != want {
			diffs = append(diffs, fmt.Sprintf("%q: go %q, js %s", h, want, show(got[i])))
		}
	}
	require.Empty(t, diffs, "%d of %d hosts differ; first: %v", len(diffs), len(hosts), diffs[:min(len(diffs), 20)])
}

func equalPtr(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func show(s *string) string {
	if s == nil {
		return "dropped"
	}
	return fmt.Sprintf("%q", *s)
}

// randomURL composes a URL from the shapes pages have and the edge cases a
// port can get wrong: case, user info, ports, IP forms, public suffix
// wildcards, site templates, words, ids, percent-encoding (valid and not),
// file extensions, placeholders, query and fragment, forbidden characters.
func randomURL(r *rand.Rand) string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	maybe := func(p float64, s string) string {
		if r.Float64() < p {
			return s
		}
		return ""
	}
	token := func() string {
		alpha := pick("abcdefghijklmnopqrstuvwxyz", "0123456789", "abcdef0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "-_.~!$&'()*+,;=:@", "%41%2F%E6%89%8B%ZZ%ff%20")
		n := 1 + r.IntN(pick12(r))
		var b strings.Builder
		for range n {
			b.WriteByte(alpha[r.IntN(len(alpha))])
		}
		return b.String()
	}
	randCase := func(s string) string {
		if r.IntN(4) != 0 {
			return s
		}
		b := []byte(s)
		for i := range b {
			if r.IntN(2) == 0 && b[i] >= 'a' && b[i] <= 'z' {
				b[i] -= 'a' - 'A'
			}
		}
		return string(b)
	}
	scheme := pick("https", "https", "http", "HTTPS", "Http", "ftp", "chrome-extension", "javascript")
	host := pick(
		"www.aliexpress.com", "aliexpress.com", "m.aliexpress.us", "pt.aliexpress.ru", "s.click.aliexpress.com",
		"www.alibaba.com", "shenzhenabc.en.alibaba.com", "french.alibaba.com", "detail.1688.com", "s.1688.com", "m.1688.com",
		"www.amazon.co.uk", "jane.github.io", "a.b.kawasaki.jp", "city.kawasaki.jp", "www.ck", "x.www.ck", "foo.ck",
		"example.com", "sub.example.com", "a.b.c.example.org", "localhost", "intranet", "example.unknowntld",
		"192.168.1.10", "10.0.0.1.nip.io", "1-2-3-4.sslip.io", "ec2-3-4-5-6.compute-1.amazonaws.com", "c0a80101.nip.io",
		"2a01-4f8--1.sslip.io", "0x7f.1", "2130706433", "[2001:db8::1]", "[::ffff:1.2.3.4]", "[fe80::1%25eth0]", "[zz::1]",
		"{ip}", "{host}", "{sub}.example.com", "co.uk", "xn--80ak6aa92e.com", "a_b.example.com", "example..com", "example.com.",
		token()+".example.com", token()+"."+token()+".com", token())
	if r.IntN(3) == 0 {
		host = randCase(host)
	}
	u := scheme + "://" + maybe(0.05, token()+maybe(0.5, ":"+token())+"@") + host
	u += maybe(0.1, ":"+pick("80", "443", "8080", "0", "65535", "70000", "", "8a"))
	if r.IntN(6) == 0 {
		u += pick("/item/"+fmt.Sprint(r.Uint64N(1e16))+".html", "/w/wholesale-"+token()+".html", "/offer/"+fmt.Sprint(r.Uint32())+".html",
			"/product-detail/"+token()+"_"+fmt.Sprint(r.Uint32())+".html", "/store/"+fmt.Sprint(r.Uint32()), "/category/"+fmt.Sprint(r.Uint32())+"/"+token()+".html",
			"/selloffer/offer_search.htm", "/e/_"+token(), "/item/{id}.html", "/ITEM/12.HTML")
	} else {
		for range r.IntN(6) {
			seg := pick(token(), pick("item", "Product", "search", "store", "w", "dp", "wiki", "index", "p", "order"), fmt.Sprint(r.Uint64()), "{id}", "{seg}", "", token()+"."+pick("html", "HTM", "php", "png", "tar", "toolongext"))
			u += "/" + seg
		}
	}
	u += maybe(0.3, "?"+pick("q=", "SearchText=", "id=", "")+token()+maybe(0.5, "&"+token()+"="+token()))
	u += maybe(0.2, "#"+token())
	u += maybe(0.03, pick(" ", "\\", "é", "\t", "<", "\"", "{", "}"))
	return u
}

func pick12(r *rand.Rand) int {
	if r.IntN(10) == 0 {
		return 80 // now and then a long token (the 64-byte and 2048-byte bounds)
	}
	return 12
}
