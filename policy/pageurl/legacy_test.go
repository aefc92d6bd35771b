package pageurl

import (
	"strings"
	"testing"
)

// templateCases is the rule table of template mode (the seed policy's mode
// before 2026.12), unchanged since it moved here. want "" means the URL is
// dropped.
var templateCases = []struct {
	name, in, want string
}{
	// Marketplaces.
	{"aliexpress item", "https://www.aliexpress.com/item/1005006123456789.html?spm=a2g0o.productlist.main.1&algo_pvid=4f6c", "https://www.aliexpress.com/item/{id}.html"},
	{"aliexpress wholesale slug", "https://www.aliexpress.com/w/wholesale-phone-case.html?SearchText=phone+case", "https://www.aliexpress.com/w/wholesale-phone-case.html"},
	{"aliexpress store", "https://www.aliexpress.com/store/1101234567?spm=a2g0o.detail.0.0", "https://www.aliexpress.com/store/{id}"},
	{"alibaba product slug with id", "https://www.alibaba.com/product-detail/Wireless-Earbuds-Bluetooth-5-3_1600912345678.html", "https://www.alibaba.com/product-detail/{id}.html"},
	{"alibaba showroom", "https://www.alibaba.com/showroom/ceramic-mug.html", "https://www.alibaba.com/showroom/ceramic-mug.html"},
	{"1688 offer", "https://detail.1688.com/offer/678912345678.html?spm=a26352.13672862", "https://detail.1688.com/offer/{id}.html"},
	{"1688 host only", "https://s.1688.com/", "https://s.1688.com/"},
	{"amazon dp asin", "https://www.amazon.com/Apple-AirPods-Pro/dp/B0CHWRXH8B/ref=sr_1_3?keywords=airpods", "https://www.amazon.com/Apple-AirPods-Pro/dp/{id}/ref=sr_1_3"},
	{"ebay item", "https://www.ebay.com/itm/314159265358?hash=item4924", "https://www.ebay.com/itm/{id}"},
	{"etsy listing", "https://www.etsy.com/listing/1234567890/handmade-ceramic-mug", "https://www.etsy.com/listing/{id}/handmade-ceramic-mug"},
	{"taobao item query id", "https://item.taobao.com/item.htm?id=712345678901", "https://item.taobao.com/item.htm"},
	{"temu goods", "https://www.temu.com/goods.html?goods_id=601099512345678", "https://www.temu.com/goods.html"},
	{"shopify product", "https://store.example.com/products/blue-t-shirt?variant=40123456789012", "https://store.example.com/products/blue-t-shirt"},
	// Ordinary sites.
	{"news article", "https://news.example.org/2026/11/28/some-headline-here", "https://news.example.org/2026/11/28/some-headline-here"},
	{"blog root", "http://blog.example.net", "http://blog.example.net/"},
	{"trailing slash", "https://example.com/a/b/", "https://example.com/a/b/"},
	{"double slash kept", "https://example.com//a", "https://example.com//a"},
	{"dot segments kept", "https://example.com/a/../b", "https://example.com/a/../b"},
	{"image file", "https://cdn.example.com/images/red-shoes.jpg", "https://cdn.example.com/images/red-shoes.jpg"},
	// Identifiers in paths.
	{"uuid", "https://app.example.com/orders/550e8400-e29b-41d4-a716-446655440000/view", "https://app.example.com/orders/{id}/view"},
	{"email in path", "https://example.com/users/john.doe@example.com/profile", "https://example.com/users/{id}/profile"},
	{"percent-encoded @", "https://example.com/u/jane%40example.com", "https://example.com/u/{id}"},
	{"hex token", "https://example.com/session/9f86d081884c7d659a2feaa0c55ad015/data", "https://example.com/session/{id}/data"},
	{"long mixed token", "https://example.com/reset/aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY", "https://example.com/reset/{id}"},
	{"long mixed-case letters token", "https://example.com/t/AbCdEfGhIjKlMnOpQrStUvWxYz", "https://example.com/t/{id}"},
	{"short number kept", "https://example.com/page/2", "https://example.com/page/2"},
	{"over 64 characters", "https://example.com/" + strings.Repeat("a-", 33) + "b", "https://example.com/{id}"},
	{"percent-encoded digits", "https://example.com/id/%31%32%33%34%35%36", "https://example.com/id/{id}"},
	{"percent-encoded word kept", "https://example.com/search/%E9%9E%8B%E5%AD%90", "https://example.com/search/%E9%9E%8B%E5%AD%90"},
	{"template is stable", "https://www.aliexpress.com/item/{id}.html", "https://www.aliexpress.com/item/{id}.html"},
	// Authority.
	{"user info removed", "https://user:secret@example.com/a", "https://example.com/a"},
	{"host lowercased", "HTTPS://WWW.AliExpress.COM/Item/x", "https://www.aliexpress.com/Item/x"},
	{"default https port removed", "https://example.com:443/a", "https://example.com/a"},
	{"default http port removed", "http://example.com:80/a", "http://example.com/a"},
	{"other port kept", "https://example.com:8443/a", "https://example.com:8443/a"},
	{"port leading zeros normalized", "https://example.com:08080/", "https://example.com:8080/"},
	{"ipv4 host", "http://192.168.1.20/admin?token=abc", "http://{ip}/admin"},
	{"ipv4 host with port", "http://10.0.0.7:8080/", "http://{ip}:8080/"},
	{"ipv6 host", "http://[2001:db8::1]:8080/x", "http://{ip}:8080/x"},
	{"decimal ip host", "http://2130706433/", "http://{ip}/"},
	{"hex ip host", "http://0x7f.0.0.1/", "http://{ip}/"},
	{"ip placeholder stable", "http://{ip}:8080/", "http://{ip}:8080/"},
	// Query and fragment.
	{"query and fragment removed", "https://example.com/p?email=a@b.com&q=shoes#top", "https://example.com/p"},
	{"fragment only", "https://example.com/p#section-2", "https://example.com/p"},
	// Dropped.
	{"ftp scheme", "ftp://example.com/file", ""},
	{"javascript scheme", "javascript:alert(1)", ""},
	{"data url", "data:text/html;base64,PGgxPg==", ""},
	{"chrome extension page", "chrome-extension://abcdefghijklmnop/popup.html", ""},
	{"file url", "file:///home/user/secret.txt", ""},
	{"relative", "/item/123.html", ""},
	{"empty", "", ""},
	{"space inside", "https://example.com/a b", ""},
	{"non-ascii host", "https://exämple.com/", ""},
	{"backslash", "https://example.com\\@evil.com/", ""},
	{"bad percent-encoding", "https://example.com/a%zz", ""},
	{"bad port", "https://example.com:99999/", ""},
	{"non-numeric port", "https://example.com:http/", ""},
	{"empty host", "https:///path", ""},
	{"unterminated ipv6", "http://[::1/", ""},
	{"brace in path", "https://example.com/{x}", ""},
	{"too long", "https://example.com/" + strings.Repeat("a", 2100), ""},
	{"garbage", "not a url at all", ""},
}

func TestTemplateMode(t *testing.T) {
	s := mustCompile(t, Spec{Mode: "template"})
	if len(templateCases) < 40 {
		t.Fatalf("the rule table needs at least 40 URLs, has %d", len(templateCases))
	}
	for _, tc := range templateCases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := s.Generalize(tc.in)
			if tc.want == "" {
				if ok {
					t.Fatalf("sanitize(%q) = %q, want dropped", tc.in, got)
				}
				return
			}
			if !ok || got != tc.want {
				t.Fatalf("sanitize(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
			}
			again, ok := s.Generalize(got)
			if !ok || again != got {
				t.Fatalf("not idempotent: sanitize(%q) = %q, %v", got, again, ok)
			}
		})
	}
}

func TestLegacyModes(t *testing.T) {
	const in = "https://User@Shop.Example.com:443/item/1005006123456789.html?spm=x&lang=en&q=a@b.c#frag"
	cases := []struct {
		name  string
		s     *Generalizer
		input string
		want  string
	}{
		{"origin", &Generalizer{mode: modeOrigin, maxLen: MaxLength}, in, "https://shop.example.com"},
		{"origin keeps port", &Generalizer{mode: modeOrigin, maxLen: MaxLength}, "http://a.example:8080/x?y", "http://a.example:8080"},
		{"path", &Generalizer{mode: modePath, maxLen: MaxLength}, in, "https://shop.example.com/item/1005006123456789.html"},
		{"template", &Generalizer{mode: modeTemplate, maxLen: MaxLength}, in, "https://shop.example.com/item/{id}.html"},
		{"template allowlist", &Generalizer{mode: modeTemplate, maxLen: MaxLength, query: set("lang", "q")}, in, "https://shop.example.com/item/{id}.html?lang=en&q={id}"},
		{"allowlist first of repeated key", &Generalizer{mode: modeTemplate, maxLen: MaxLength, query: set("lang")}, "https://e.com/?lang=en&lang=fr", "https://e.com/?lang=en"},
		{"allowlist id-like value", &Generalizer{mode: modeTemplate, maxLen: MaxLength, query: set("page")}, "https://e.com/?page=1234567", "https://e.com/?page={id}"},
		{"allowlist in path mode keeps value", &Generalizer{mode: modePath, maxLen: MaxLength, query: set("page")}, "https://e.com/?page=1234567", "https://e.com/?page=1234567"},
		{"allowlist none present", &Generalizer{mode: modeTemplate, maxLen: MaxLength, query: set("lang")}, "https://e.com/a?x=1", "https://e.com/a"},
		{"custom max length", &Generalizer{mode: modeTemplate, maxLen: 20}, "https://example.com/abcdef", ""},
		{"output over max length", &Generalizer{mode: modeTemplate, maxLen: 24}, "https://e.com/a@b/a@b/x", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.s.Generalize(tc.input)
			if tc.want == "" {
				if ok {
					t.Fatalf("got %q, want dropped", got)
				}
				return
			}
			if !ok || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, ok, tc.want)
			}
			if again, _ := tc.s.Generalize(got); again != got {
				t.Fatalf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func set(keys ...string) map[string]struct{} {
	m := map[string]struct{}{}
	for _, k := range keys {
		m[k] = struct{}{}
	}
	return m
}
