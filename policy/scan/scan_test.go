package scan

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDetectors(t *testing.T) {
	cases := []struct {
		detector string
		in       string
		found    bool
	}{
		{"email", "write to jane.doe+x@mail.example.co.uk today", true},
		{"email", "no at sign here", false},
		{"email", "jane.doe%40example.com", true},
		{"email", "jane.doe%2540example.com", true},
		{"email", "jane.doe%252540example.com", true},
		{"email", "50%25 off, 100%25 sure", false},
		{"card", "card 4111 1111 1111 1111", true},
		{"card", "4111-1111-1111-1111", true},
		{"card", "4111 1111 1111 1112 (bad Luhn)", false},
		{"card", "order 1234567890123", false},
		{"card", "4111_1111_1111_1111", true},
		{"card", "4111/1111/1111/1111", true},
		{"card", "4111.1111.1111.1111", true},
		{"card", "n%3D4111%25201111%25201111%25201111", true}, // double-encoded spaces
		{"iban", "IBAN DE89 3704 0044 0532 0130 00", true},
		{"iban", "GB82WEST12345698765432", true},
		{"iban", "GB00WEST12345698765432", false},
		{"iban", "DE89_3704_0044_0532_0130_00", true},
		{"phone", "+1 (415) 555-0123", true},
		{"phone", "call 4155550123", true},
		{"phone", "call_415_555_0123", true},
		{"phone", "tel/415/555/0123", true},
		{"phone", "version 1.2.3", false},
		{"ip", "from 203.0.113.42 today", true},
		{"ip", "addr 2001:db8::1", true},
		{"ip", "999.1.1.1", false},
		{"ip", "ratio 3:4", false},
		{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_nature", true},
		{"jwt", "eyJ but no dots", false},
		{"bearer", "Authorization: Bearer abc.def-ghi", true},
		{"bearer", "the bearer of news", true},
		{"bearer", "nothing here", false},
		{"secret", "key=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", true},
		{"secret", "AKIAIOSFODNN7EXAMPLEaB3dE5fG7hJ9kL", true},
		{"secret", "averyveryverylongwordwithoutanydigitsatall", false},
		{"secret", "short_token_123", false},
	}
	for _, tc := range cases {
		t.Run(tc.detector+"/"+tc.in, func(t *testing.T) {
			rule, err := Compile(&Spec{Detectors: []string{tc.detector}, Action: "mask"})
			require.NoError(t, err)
			found, masked := rule.Scan(tc.in)
			assert.Equal(t, tc.found, found)
			if tc.found {
				assert.Contains(t, masked, "[redacted:"+tc.detector+"]")
				again, _ := rule.Scan(masked)
				assert.False(t, again, "masking is idempotent: %q", masked)
			} else {
				assert.Equal(t, tc.in, masked)
			}
		})
	}
}

// TestSeparatorsProperty: a Luhn-valid card number and a phone number are
// found whatever separators split their digit groups.
func TestSeparatorsProperty(t *testing.T) {
	card, err := Compile(&Spec{Detectors: []string{"card"}})
	require.NoError(t, err)
	phone, err := Compile(&Spec{Detectors: []string{"phone"}})
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(7, 8))
	seps := []string{"", " ", "-", "_", ".", "/"}
	for range 2000 {
		sep := seps[r.IntN(len(seps))]
		num := luhnNumber(r, 13+r.IntN(7))
		split := splitGroups(r, num, sep)
		found, _ := card.Scan("ref_" + split + "_end")
		assert.True(t, found, "card %q", split)
		p := splitGroups(r, fmt.Sprintf("%010d", r.Int64N(1e10)), sep)
		found, _ = phone.Scan("x" + sep + p)
		assert.True(t, found, "phone %q", p)
	}
}

func luhnNumber(r *rand.Rand, n int) string {
	d := make([]byte, n)
	for i := range n - 1 {
		d[i] = byte('0' + r.IntN(10))
	}
	for c := byte('0'); c <= '9'; c++ {
		d[n-1] = c
		if luhn(string(d)) {
			break
		}
	}
	return string(d)
}

// splitGroups splits digits into groups of 2-4 joined by sep.
func splitGroups(r *rand.Rand, digits, sep string) string {
	var b strings.Builder
	for len(digits) > 0 {
		n := min(len(digits), 2+r.IntN(3))
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(digits[:n])
		digits = digits[n:]
	}
	return b.String()
}

// FuzzScan: scanning never panics, masking is idempotent and a masked value
// holds no finding; a card number hidden in the input with any separator and
// up to two rounds of percent-encoding is found.
func FuzzScan(f *testing.F) {
	for _, s := range []string{"", "jane%2540example.com", "4111_1111_1111_1111", "tel/415/555/0123", "%zz", "%25%25", "eyJa.eyJb.c"} {
		f.Add(s, "4111111111111111", byte(0))
	}
	all, err := Compile(&Spec{Detectors: Names(), Action: "mask"})
	require.NoError(f, err)
	card, err := Compile(&Spec{Detectors: []string{"card"}})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, s, cardDigits string, mode byte) {
		if found, masked := all.Scan(s); found {
			if again, _ := all.Scan(masked); again {
				t.Fatalf("masking %q left a finding: %q", s, masked)
			}
		}
		if len(cardDigits) < 13 || len(cardDigits) > 19 || strings.Trim(cardDigits, "0123456789") != "" || !luhn(cardDigits) {
			return
		}
		sep := []string{" ", "-", "_", ".", "/", ""}[int(mode)%6]
		hidden := strings.Join(strings.SplitAfterN(cardDigits, "", len(cardDigits)), sep)
		for i := 0; sep != "" && i < int(mode/6)%3; i++ {
			hidden = strings.NewReplacer("%", "%25", sep, fmt.Sprintf("%%%02X", sep[0])).Replace(hidden)
		}
		if found, _ := card.Scan("x=" + hidden); !found {
			t.Fatalf("card %q hidden as %q not found", cardDigits, hidden)
		}
	})
}
