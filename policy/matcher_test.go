package policy

import (
	"fmt"
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
		want := re.MatchString(in)
		if got := m.MatchString(in); got != want {
			t.Fatalf("pattern %q input %q: matcher %v, regexp %v", p, in, got, want)
		}
		// Asked again, and asked of a matcher that has seen other inputs
		// (its memo warm), the answer is the same.
		if got := m.MatchString(in); got != want {
			t.Fatalf("pattern %q input %q, asked again: matcher %v, regexp %v", p, in, got, want)
		}
		shared := sharedMatchers[uint(i)%uint(len(matcherPatterns))]
		if got := shared.MatchString(in); got != want {
			t.Fatalf("pattern %q input %q, warm matcher: %v, regexp %v", p, in, got, want)
		}
	})
}

// sharedMatchers are compiled once, so the fuzzer's inputs warm their memos.
var sharedMatchers = func() []matcher {
	var out []matcher
	for _, p := range matcherPatterns {
		m, _, err := compileMatcher(p)
		if err != nil {
			panic(err)
		}
		out = append(out, m)
	}
	return out
}()

// TestMemoMatcherRemembersOnlyAccepted: the memo answers a repeated value
// as the regexp does, through collisions (more values than slots), and
// holds only values the pattern accepted.
func TestMemoMatcherRemembersOnlyAccepted(t *testing.T) {
	const chrome = `^(0|[1-9][0-9]{0,3})(\.(0|[1-9][0-9]{0,3})){0,3}$`
	m, re, err := compileMatcher(chrome)
	if err != nil {
		t.Fatal(err)
	}
	memo, ok := m.(*memoMatcher)
	if !ok {
		t.Fatalf("%s: got %T, want the memo", chrome, m)
	}
	var inputs []string
	for i := range 3 * 64 { // more values than the memo's slots
		inputs = append(inputs, fmt.Sprintf("%d.%d", i/10, i%10), fmt.Sprintf("%d.x", i), fmt.Sprintf("0%d", i))
	}
	for round := range 3 {
		for _, in := range inputs {
			if got, want := m.MatchString(in), re.MatchString(in); got != want {
				t.Fatalf("round %d %q: memo %v, regexp %v", round, in, got, want)
			}
		}
	}
	held := 0
	memo.accepted.Keys(func(k string) {
		held++
		if !re.MatchString(k) {
			t.Errorf("memo holds %q, which the pattern refuses", k)
		}
	})
	if held == 0 {
		t.Error("the memo holds nothing after repeated accepted values")
	}
}
