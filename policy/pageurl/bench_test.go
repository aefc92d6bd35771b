package pageurl

import "testing"

// BenchmarkGeneralize: the cost per URL of each mode on the rule table's
// URLs (raw) and on their generalized form (kept: what the egress guard
// re-checks).
func BenchmarkGeneralize(b *testing.B) {
	var raw, kept []string
	for _, tc := range generalizeCases {
		if tc.want != "" {
			raw = append(raw, tc.in)
			kept = append(kept, tc.want)
		}
	}
	for _, m := range []struct {
		name string
		g    *Generalizer
	}{
		{"generalize", seed()},
		{"template", &Generalizer{mode: modeTemplate, maxLen: MaxLength}},
	} {
		for _, in := range []struct {
			name string
			urls []string
		}{{"raw", raw}, {"kept", kept}} {
			b.Run(m.name+"/"+in.name, func(b *testing.B) {
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					m.g.Generalize(in.urls[n%len(in.urls)])
					n++
				}
			})
		}
	}
}
