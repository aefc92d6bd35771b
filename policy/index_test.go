package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIndexByLengthAndMapAgree(t *testing.T) {
	cases := map[string]struct {
		keys    []string
		wantMap bool
	}{
		"empty":              {},
		"one":                {keys: []string{"a"}},
		"mixed lengths":      {keys: []string{"", "a", "bb", "cc", "search_button", "page_button", "x"}},
		"linearMax per len":  {keys: numbered("k.%d", linearMax)},
		"too many of a len":  {keys: numbered("k.%d", linearMax+1), wantMap: true},
		"many, spread":       {keys: spread(50)},
		"longest grouped":    {keys: []string{strings.Repeat("a", indexLen), "b"}},
		"too long for table": {keys: []string{strings.Repeat("a", indexLen+1), "b"}, wantMap: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := map[string]int{}
			for i, k := range tc.keys {
				m[k] = i
			}
			x := newIndex(m)
			assert.Equal(t, tc.wantMap, x.m != nil)
			assert.Equal(t, len(m) == 0, x.empty())
			for k, want := range m {
				got, ok := x.get(k)
				assert.True(t, ok, "%q", k)
				assert.Equal(t, want, got, "%q", k)
			}
			for _, k := range []string{"key.", "k.999", "K.1", "bbb", strings.Repeat("a", 300), "search_buttoN"} {
				if _, in := m[k]; in {
					continue
				}
				_, ok := x.get(k)
				assert.False(t, ok, "%q", k)
			}
		})
	}
}

func numbered(format string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf(format, i))
	}
	return out
}

// spread returns n keys of lengths 1..n/2+1, two of each.
func spread(n int) []string {
	var out []string
	for i := range n {
		out = append(out, strings.Repeat(string(rune('a'+i%2)), i/2+1))
	}
	return out
}
