package pageurl

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // "rule: message fragment"
	}{
		{"unknown mode", "mode: templat", []string{"url.mode: unknown mode \"templat\""}},
		{"max length", "max_length: 5000", []string{"url.max_length: must be between 1 and 2048"}},
		{"query key", "query_allowlist: [ok, 'a b']", []string{"url.query_allowlist[1]: \"a b\" is not a plain query parameter name"}},
		{"vocabulary in another mode", "mode: template\npath_words: [item]\nsites: [{name: x, domains: [x.com], templates: [/a]}]",
			[]string{"url.path_words: applies to mode generalize only", "url.sites: applies to mode generalize only"}},
		{"subdomain label", "subdomains: [www, 'Shop', 'a.b']", []string{"url.subdomains[1]: \"Shop\" is not a lowercase host label", "url.subdomains[2]"}},
		{"duplicate word", "path_words: [item, item]", []string{"url.path_words[1]: \"item\" is listed twice"}},
		{"word with dot", "path_words: [index.html, '123']", []string{"url.path_words[0]", "url.path_words[1]: \"123\" is not a lowercase word"}},
		{"extension", "extensions: [html, .pdf, toolong]", []string{"url.extensions[1]", "url.extensions[2]"}},
		{"site domain not registrable", "sites: [{name: a, domains: [www.aliexpress.com, com, Alibaba.com], templates: [/x]}]",
			[]string{"url.sites[0].domains[0]: \"www.aliexpress.com\" is not a lowercase registrable domain", "url.sites[0].domains[1]", "url.sites[0].domains[2]"}},
		{"site twice", "sites: [{name: a, domains: [a.com], templates: [/x]}, {name: b, domains: [a.com], templates: [/x]}]",
			[]string{"url.sites[1].domains[0]: \"a.com\" is already a domain of site \"a\""}},
		{"site without name, domains, templates", "sites: [{name: ''}]",
			[]string{"url.sites[0].name", "url.sites[0].domains: at least one", "url.sites[0].templates: at least one"}},
		{"bad templates", "sites: [{name: a, domains: [a.com], templates: ['item/{id}', '/item/{idd}.html', '/a/{id}{seg}', '/a//b', '/a/%41', /ok, /OK]}]",
			[]string{"url.sites[0].templates[0]: \"item/{id}\": must start with /",
				"url.sites[0].templates[1]: \"/item/{idd}.html\": unknown placeholder {idd}",
				"url.sites[0].templates[2]: \"/a/{id}{seg}\": segment \"{id}{seg}\" must hold at most one {placeholder}",
				"url.sites[0].templates[3]", "url.sites[0].templates[4]",
				"url.sites[0].templates[6]: \"/OK\" is listed twice"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s Spec
			dec := yaml.NewDecoder(strings.NewReader(tc.yaml))
			dec.KnownFields(true)
			if err := dec.Decode(&s); err != nil {
				t.Fatal(err)
			}
			var got []string
			Compile(&s, func(rule, msg string) {
				if !strings.HasPrefix(rule, "url.") {
					t.Errorf("rule %q does not start with url.", rule)
				}
				got = append(got, rule+": "+msg)
			})
			all := strings.Join(got, "\n")
			if len(got) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(got), len(tc.want), all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no problem %q in:\n%s", w, all)
				}
			}
		})
	}
}

func TestSpecIsStrict(t *testing.T) {
	dec := yaml.NewDecoder(strings.NewReader("mode: generalize\npath_word: [item]\n"))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err == nil || !strings.Contains(err.Error(), "path_word") {
		t.Fatalf("a typo must fail decoding, got %v", err)
	}
}

func TestDefaults(t *testing.T) {
	g := mustCompile(t, Spec{})
	if g.Mode() != "generalize" || g.MaxLength() != MaxLength {
		t.Fatalf("defaults: %s %d", g.Mode(), g.MaxLength())
	}
	// No vocabulary at all: only placeholders and the registrable domain.
	got, ok := g.Generalize("https://www.aliexpress.com/item/1005006123456789.html?x=1")
	if want := "https://{sub}.aliexpress.com/{seg}/{id}"; !ok || got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
