package policy

import (
	"testing"
)

var matcherPatterns = []string{
	`^[a-z][a-z0-9_.-]{0,63}$`, `^[a-z][a-z0-9_]{0,63}$`, `[a-z]+`, `ab[0-9]{2,3}`, `x?`, `[0-9]*`,
	`^[0-9]{1,4}(\.[0-9]{1,4}){0,3}(-[0-9A-Za-z.]{1,16})?$`, `(?i)abc`, `[^a]b`, `a.c`, `é[a-z]`, `a|b`,
}

func TestMatcherShapes(t *testing.T) {
	fast := map[string]bool{`^[a-z][a-z0-9_.-]{0,63}$`: true, `^[a-z][a-z0-9_]{0,63}$`: true, `[a-z]+`: true, `ab[0-9]{2,3}`: true, `x?`: true, `[0-9]*`: true, `a|b`: true}
	for _, p := range matcherPatterns {
		m, _, err := compileMatcher(p)
		if err != nil {
			t.Fatal(err)
		}
		_, isFast := m.(classSeq)
		if isFast != fast[p] {
			t.Errorf("%s: byte-class form = %v, want %v", p, isFast, fast[p])
		}
	}
}

// FuzzMatcherAgreesWithRegexp: the byte-class matcher answers exactly as
// regexp does for every pattern and input.
func FuzzMatcherAgreesWithRegexp(f *testing.F) {
	for _, in := range []string{"", "a", "A", "search_button", "Search Button!", "a.b-c_d", "call_4915112345678",
		"ab12", "ab1234", "ab123", "x", "xx", "3.2.1", "1.0.0-beta.2", "ABC", "abc", "éa", "ab\x00", "a\xffb"} {
		for i := range matcherPatterns {
			f.Add(i, in)
		}
	}
	f.Fuzz(func(t *testing.T, i int, in string) {
		p := matcherPatterns[uint(i)%uint(len(matcherPatterns))]
		m, re, err := compileMatcher(p)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.MatchString(in), re.MatchString(in); got != want {
			t.Fatalf("pattern %q input %q: matcher %v, regexp %v", p, in, got, want)
		}
	})
}
