package pageurl

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// The survival test measures what of personal content gets through: random
// tokens of the common alphabets, lengths 6–64, placed as path segments and
// as subdomain labels, and generated names, search words, street addresses,
// coordinates, phone, card numbers and e-mail addresses. A token survives if
// its text appears in the output (ASCII case folded). The generator is
// seeded, so the test is deterministic; the fractions are logged for the
// README and docs/benchmarks.md, and generalize mode must let none through.

var alphabets = []struct{ name, chars string }{
	{"hex", "0123456789abcdef"},
	{"base32", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"},
	{"base58", "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
	{"base62", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"},
	{"base64url", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"},
}

// Token placements: %s is the token.
var segmentPlaces = []string{
	"https://www.example.com/%s",
	"https://www.example.com/share/%s/view",
	"https://www.example.com/item/%s.html",
	"https://docs.google.com/document/d/%s/edit",
	"https://bit.ly/%s",
	"https://www.aliexpress.com/item/%s.html",
	"https://www.aliexpress.com/w/wholesale-%s.html",
	"https://www.alibaba.com/product-detail/%s.html",
	"https://detail.1688.com/offer/%s.html",
	"https://www.youtube.com/shorts/%s",
}

var labelPlaces = []string{
	"https://%s.example.com/",
	"https://www.%s.example.co.uk/",
	"https://%s.github.io/",
	"https://%s.1688.com/page/offerlist.htm",
	"https://s.%s.aliexpress.com/e/x",
}

var (
	firstNames = []string{"John", "Jane", "Maria", "Wei", "Olga", "Ahmed", "Priya", "Lucas", "Sofia", "Kenji",
		"Fatima", "Carlos", "Emma", "Noah", "Aisha", "Mateo", "Chloe", "Dmitri", "Ingrid", "Tariq"}
	lastNames = []string{"Smith", "Doe", "Garcia", "Zhang", "Ivanova", "Hassan", "Patel", "Silva", "Rossi", "Tanaka",
		"Kowalski", "Nguyen", "Muller", "Okafor", "Johansson", "Dubois", "Yilmaz", "Novak", "Kim", "Lopez"}
	searchWords = []string{"ceramic", "mug", "wedding", "dress", "phone", "case", "wireless", "earbuds", "pregnancy",
		"test", "wig", "divorce", "lawyer", "insulin", "pump", "hoodie", "anime", "lingerie", "vape", "rosary",
		"hijab", "wheelchair", "baby", "stroller", "knife", "gun", "holster", "cbd", "oil", "tarot"}
	streets = []string{"Baker St", "Main Street", "Rue de Rivoli", "Hauptstrasse", "Elm Avenue", "Nevsky Prospekt", "Calle Mayor"}
	cities  = []string{"London", "Springfield", "Paris", "Berlin", "Madrid", "Osaka", "Lagos"}
)

type sample struct {
	url    string
	secret []string // texts that must not appear in the output
}

func tokenSamples(rng *rand.Rand, places []string, label bool) map[string][]sample {
	out := map[string][]sample{}
	for _, a := range alphabets {
		for n := 6; n <= 64; n++ {
			for range 4 {
				b := make([]byte, n)
				for i := range b {
					b[i] = a.chars[rng.IntN(len(a.chars))]
				}
				tok := string(b)
				if label {
					tok = strings.Trim(tok, "-_")
					if tok == "" {
						continue
					}
				}
				band := a.name + " 6-22"
				if n > 22 {
					band = a.name + " 23-64"
				}
				for _, p := range places {
					out[band] = append(out[band], sample{fmt.Sprintf(p, tok), []string{tok}})
				}
			}
		}
	}
	return out
}

func personalSamples(rng *rand.Rand) map[string][]sample {
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	out := map[string][]sample{}
	for range 200 {
		first, last := pick(firstNames), pick(lastNames)
		secret := []string{first, last}
		for _, form := range []string{first + "." + last, first + "-" + last, first + last, first + "_" + last + fmt.Sprint(rng.IntN(100)), first + "." + last + "." + fmt.Sprint(rng.IntN(9)+1)} {
			for _, p := range []string{"https://www.facebook.com/%s", "https://www.linkedin.com/in/%s/", "https://www.cs.example.edu/~%s/",
				"https://x.com/%s/status/1729123456789012345", "https://www.instagram.com/%s/", "https://www.tiktok.com/@%s/video/7301234567890123456"} {
				out["names"] = append(out["names"], sample{fmt.Sprintf(p, form), secret})
			}
			if label := strings.ToLower(strings.NewReplacer(".", "-", "_", "-").Replace(form)); true {
				out["names"] = append(out["names"], sample{"https://" + label + ".example.com/", secret})
				out["names"] = append(out["names"], sample{"https://" + label + ".blogspot.com/", secret})
			}
		}
		mail := strings.ToLower(first + "." + last)
		for _, enc := range []string{"@", "%40", "%2540"} {
			out["e-mail addresses"] = append(out["e-mail addresses"],
				sample{"https://www.example.com/u/" + mail + enc + "mail.example.org/profile", []string{mail, first, last}})
		}

		w := []string{pick(searchWords), pick(searchWords), pick(searchWords)}
		for _, p := range []string{"https://www.aliexpress.com/w/wholesale-%s.html", "https://www.example.com/search/%s",
			"https://www.alibaba.com/showroom/%s.html", "https://www.alibaba.com/products/%s.html", "https://www.etsy.com/market/%s"} {
			for _, sep := range []string{"-", "+", "%20", "_"} {
				out["search words"] = append(out["search words"], sample{fmt.Sprintf(p, strings.Join(w, sep)), w})
			}
		}

		num, street, city := fmt.Sprint(rng.IntN(990)+10), pick(streets), pick(cities)
		addr := num + "+" + strings.ReplaceAll(street, " ", "+") + ",+" + city
		secretAddr := []string{city, num}
		for _, w := range strings.Fields(street) {
			if len(w) > 3 { // "St" is in "stores": not a survival
				secretAddr = append(secretAddr, w)
			}
		}
		out["street addresses"] = append(out["street addresses"],
			sample{"https://www.google.com/maps/place/" + addr + "/", secretAddr},
			sample{"https://www.google.com/maps/dir/Home/" + addr + "/", secretAddr},
			sample{"https://www.example.com/stores/" + strings.ToLower(city) + "/" + num + "-" + strings.ToLower(strings.ReplaceAll(street, " ", "-")), secretAddr})

		lat, lon := fmt.Sprintf("%.6f", rng.Float64()*180-90), fmt.Sprintf("%.6f", rng.Float64()*360-180)
		out["coordinates"] = append(out["coordinates"],
			sample{"https://www.google.com/maps/@" + lat + "," + lon + ",17z", []string{lat, lon}},
			sample{"https://weather.com/weather/today/l/" + lat + "," + lon, []string{lat, lon}},
			sample{"https://www.example.com/map/" + lat + "/" + lon, []string{lat, lon}})

		d := func(n int) string {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('0' + rng.IntN(10))
			}
			return string(b)
		}
		a, b, c := d(3), d(3), d(4)
		for _, sep := range []string{"-", ".", "", "%20"} {
			phone := a + sep + b + sep + c
			out["phone numbers"] = append(out["phone numbers"],
				sample{"https://www.example.com/contact/" + phone, []string{a + sep + b, b + sep + c}},
				sample{"https://www.example.com/call/+1" + sep + phone, []string{a + sep + b, b + sep + c}})
			card := d(4) + sep + d(4) + sep + d(4) + sep + d(4)
			out["card numbers"] = append(out["card numbers"], sample{"https://pay.example.com/card/" + card, []string{card[:9]}})
			if sep != "%20" { // not a host
				out["card numbers"] = append(out["card numbers"], sample{"https://" + strings.ReplaceAll(card, ".", "-") + ".example.com/", []string{card[:9]}})
			}
		}
	}
	return out
}

// survival returns the fraction of samples with a secret in the output, the
// fraction dropped whole, and how many outputs are not fixed points.
func survival(g *Generalizer, samples []sample) (survived, dropped float64, notFixed int, example string) {
	var s, d, fixed int
	for _, smp := range samples {
		out, ok := g.Generalize(smp.url)
		if !ok {
			d++
			continue
		}
		if again, ok := g.Generalize(out); !ok || again != out {
			fixed++
		}
		lo := strings.ToLower(out)
		for _, sec := range smp.secret {
			if strings.Contains(lo, strings.ToLower(sec)) {
				s++
				if example == "" {
					example = smp.url + " -> " + out
				}
				break
			}
		}
	}
	return float64(s) / float64(len(samples)), float64(d) / float64(len(samples)), fixed, example
}

func TestSurvival(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261202, 10))
	sets := []struct {
		kind string
		m    map[string][]sample
	}{
		{"path segment", tokenSamples(rng, segmentPlaces, false)},
		{"subdomain label", tokenSamples(rng, labelPlaces, true)},
		{"personal", personalSamples(rng)},
	}
	template := mustCompile(t, Spec{Mode: "template"})
	total := 0
	for _, set := range sets {
		for _, name := range sortedSampleKeys(set.m) {
			samples := set.m[name]
			total += len(samples)
			s, d, nf, ex := survival(seed(), samples)
			ts, _, tnf, _ := survival(template, samples)
			if nf+tnf > 0 {
				t.Errorf("%s %s: %d outputs are not fixed points", set.kind, name, nf+tnf)
			}
			t.Logf("%-16s %-17s n=%5d  generalize: survived %.4f dropped %.4f   template mode: survived %.4f", set.kind, name, len(samples), s, d, ts)
			if s != 0 {
				t.Errorf("%s %s: %.4f survive generalize mode, e.g. %s", set.kind, name, s, ex)
			}
			if d > 0.05 {
				t.Errorf("%s %s: %.4f dropped whole: the samples do not measure the rules", set.kind, name, d)
			}
		}
	}
	t.Logf("%d samples", total)
}

func sortedSampleKeys(m map[string][]sample) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

// TestVocabularyHasNoSampleWords keeps the survival test honest: a path word
// or subdomain label equal to a generated name or search word would let it
// through, and should not be in the vocabulary anyway.
func TestVocabularyHasNoSampleWords(t *testing.T) {
	g := seed()
	for _, l := range [][]string{firstNames, lastNames, searchWords, cities} {
		for _, w := range l {
			w = strings.ToLower(w)
			if _, ok := g.words[w]; ok {
				t.Errorf("path word %q is a name or search word", w)
			}
			if _, ok := g.subdomains[w]; ok {
				t.Errorf("subdomain label %q is a name or search word", w)
			}
		}
	}
}
