package policy

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// plant is the marker of data that must never survive Apply: the generator
// puts it everywhere the policy does not allow data.
const plant = "PLANTED"

// genLogs builds a random batch: known and unknown events, allowed and
// unknown attributes of every type, and planted markers in every place the
// policy does not allow data (resource, scope, body, severity text, unknown
// and wrongly typed attributes, URL user info, query and fragment).
func genLogs(r *rand.Rand) plog.Logs {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	marker := func() string { return fmt.Sprintf("%s-%d", plant, r.IntN(1000)) }
	events := []string{"ui.interaction", "settings.state", "search.started", "page.view", "", "UI.INTERACTION"}

	ld := plog.NewLogs()
	for range 1 + r.IntN(3) {
		rl := ld.ResourceLogs().AppendEmpty()
		if r.IntN(2) == 0 {
			rl.SetSchemaUrl("https://" + marker())
		}
		ra := rl.Resource().Attributes()
		ra.PutStr("service.name", pick("sbi-extension", "Bad Name "+marker()))
		ra.PutStr("service.version", pick("3.2.1", "1.0.0-beta.2", marker()))
		ra.PutStr("user_agent.original", "Mozilla/5.0 "+marker())
		ra.PutStr("privacy.policy.version", marker())
		ra.PutInt("client.port", 443)
		for range 1 + r.IntN(2) {
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(marker())
			sl.Scope().SetVersion(marker())
			sl.Scope().Attributes().PutStr("scope.attr", marker())
			for range r.IntN(6) {
				lr := sl.LogRecords().AppendEmpty()
				ev := pick(events...)
				lr.SetEventName(ev)
				lr.SetTimestamp(pcommon.Timestamp(r.Int64N(2e18)))
				lr.SetObservedTimestamp(pcommon.Timestamp(r.Int64N(2e18)))
				lr.SetSeverityNumber(plog.SeverityNumber(r.IntN(30)))
				lr.SetSeverityText(pick("", "INFO", "WARN2", marker()))
				if r.IntN(2) == 0 {
					lr.Body().SetStr(marker())
				}
				if r.IntN(2) == 0 {
					lr.SetTraceID(pcommon.TraceID{byte(r.IntN(255) + 1)})
					lr.SetSpanID(pcommon.SpanID{1})
				}
				a := lr.Attributes()
				a.PutStr("user.email", marker()+"@example.com")
				a.PutStr("event.name", marker())
				a.PutStr("privacy.consent", marker())
				switch r.IntN(4) {
				case 0:
					a.PutStr("ui.surface", pick("popup", "toolbar", marker()))
					a.PutStr("ui.control", pick("search_button", "menu.item-2", marker(), "call_4155550123"))
					a.PutStr("ui.action", pick("click", "toggle", marker()))
				case 1:
					a.PutBool("setting.auto_search", r.IntN(2) == 0)
					a.PutStr("setting.theme", marker())
					a.PutBool("setting."+marker(), true)
				case 2:
					a.PutStr("search.trigger", pick("toolbar_button", "context_menu", "auto", marker()))
					a.PutStr("search.marketplace", pick("alibaba", "aliexpress", "1688", marker()))
					a.PutStr("url.full", pick(
						"https://"+strings.ToLower(marker())+":pw@www.aliexpress.com/item/1005006123456789.html?q="+marker()+"#"+marker(),
						"https://shop.example.com/u/"+marker()+"@mail.com/orders?x="+marker(),
						"http://192.168.1.1/"+"?t="+marker(),
						"ftp://"+marker(),
					))
				default:
					a.PutEmptyMap("ui.surface").PutStr("x", marker())
					a.PutEmptySlice("ui.action").AppendEmpty().SetStr(marker())
					a.PutInt("search.marketplace", 1688)
				}
			}
		}
	}
	return ld
}

var protoMarshaler = &plog.ProtoMarshaler{}

func mustMarshal(t *testing.T, ld plog.Logs) []byte {
	t.Helper()
	b, err := protoMarshaler.MarshalLogs(ld)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkInvariants asserts the engine's properties on one input:
// Apply is idempotent, Check holds on every record Apply keeps, Guard keeps
// all of them, and no planted marker survives.
func checkInvariants(t *testing.T, p *Policy, ld plog.Logs, planted bool) {
	t.Helper()
	p.Apply(ld)
	once := mustMarshal(t, ld)

	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			for k := 0; k < sl.LogRecords().Len(); k++ {
				if v := p.Check(rl.Resource(), sl.Scope(), sl.LogRecords().At(k)); v != None {
					t.Fatalf("Check(Apply(x)) = %s", v)
				}
			}
		}
	}

	twice := plog.NewLogs()
	ld.CopyTo(twice)
	p.Apply(twice)
	if !bytes.Equal(once, mustMarshal(t, twice)) {
		t.Fatalf("Apply is not idempotent")
	}

	guarded := plog.NewLogs()
	ld.CopyTo(guarded)
	n := guarded.LogRecordCount()
	if gs := p.Guard(guarded); gs.Passed != n || gs.DroppedTotal() != 0 {
		t.Fatalf("Guard dropped minimized records: %+v", gs)
	}

	if js, _ := (&plog.JSONMarshaler{}).MarshalLogs(ld); planted && bytes.Contains(js, []byte(plant)) || bytes.Contains(once, []byte(plant)) {
		t.Fatalf("a planted marker survived Apply: %s", js)
	}
}

func TestPropertiesOnGeneratedLogs(t *testing.T) {
	p := Seed()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		ld := genLogs(r)
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkInvariants(t, p, ld, true) })
		if t.Failed() {
			return
		}
	}
}

// TestPropertiesWithAllFeatures runs the same properties on a policy that
// turns on every optional feature: pseudonyms, masking scanners, query
// allowlist, max length, origin/path modes are covered in url tests.
func TestPropertiesWithAllFeatures(t *testing.T) {
	p := featurePolicy(t, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 300 {
		ld := genLogs(r)
		// Free-form values for the masking and pseudonymizing rules.
		ld.ResourceLogs().At(0).Resource().Attributes().PutStr("install.id", fmt.Sprintf("inst-%d", i))
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkInvariants(t, p, ld, true) })
		if t.Failed() {
			return
		}
	}
}

const featurePolicyYAML = `
version: "features-1"
clauses:
  ui: "§2 UI interaction telemetry"
  search_url: "§2 Search source page URL"
  reliability: "§3 reliability"
timestamp_granularity: 1m
pseudonymization: {key_env: SBI_TEST_PSEUDONYM_KEY}
url: {mode: template, query_allowlist: [lang, page], max_length: 512}
resource:
  attributes:
    service.name: {type: string, pattern: '[a-z][a-z0-9-]*', max_length: 32, clause: reliability}
    install.id: {type: string, pseudonymize: true, clause: reliability}
events:
  ui.interaction:
    clause: ui
    attributes:
      ui.action: {type: string, enum: [click]}
      ui.control: {type: string, pattern: '[a-z][a-z0-9_.:\[\]-]*', max_length: 64, scan: {detectors: [email, card, iban, phone, ip, jwt, bearer, secret], action: mask}}
  search.started:
    clause: search_url
    attributes:
      search.trigger: {type: string, enum: [toolbar_button, context_menu]}
      url.full: {type: url, when: {search.trigger: [toolbar_button]}}
`

func featurePolicy(t testing.TB, now time.Time) *Policy {
	t.Helper()
	env := func(k string) string {
		if k == "SBI_TEST_PSEUDONYM_KEY" {
			return "0123456789abcdef0123456789abcdef-test-key"
		}
		return ""
	}
	p, err := parse([]byte(featurePolicyYAML), "features.yaml", env, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzApplyCheck feeds arbitrary OTLP protobuf to the engine: it must never
// panic and the invariants must hold for whatever decodes.
func FuzzApplyCheck(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		b, _ := protoMarshaler.MarshalLogs(genLogs(r))
		f.Add(b)
	}
	// A minimized record with each field of the data model planted in turn
	// (entity refs, string-index forms, ...), as TestEveryOTLPFieldIsBuiltNotCopied does.
	for _, b := range plantedSeeds(f) {
		f.Add(b)
	}
	p := Seed()
	f.Fuzz(func(t *testing.T, data []byte) {
		ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(data)
		if err != nil {
			return
		}
		// Arbitrary input can carry the marker in allowed places (a URL path).
		checkInvariants(t, p, ld, false)
	})
}

// TestConcurrentPassesAgree: passes are pooled and the URL and pattern
// caches are shared, so Apply and Guard from many goroutines at once must
// give exactly what one goroutine gives (run with -race as well).
func TestConcurrentPassesAgree(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	p := Seed().WithClock(func() time.Time { return now })
	r := rand.New(rand.NewPCG(7, 8))
	var inputs []plog.Logs
	var want [][]byte
	for range 40 {
		ld := genLogs(r)
		inputs = append(inputs, ld)
		out := plog.NewLogs()
		ld.CopyTo(out)
		p.Apply(out)
		b, err := protoMarshaler.MarshalLogs(out)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 5 {
				for i := range inputs {
					j := (i + g*7 + round) % len(inputs)
					ld := plog.NewLogs()
					inputs[j].CopyTo(ld)
					p.Apply(ld)
					got, err := protoMarshaler.MarshalLogs(ld)
					if err != nil {
						t.Error(err)
						return
					}
					if !bytes.Equal(got, want[j]) {
						t.Errorf("batch %d: concurrent Apply differs from sequential", j)
						return
					}
					if gs := p.Guard(ld); gs.DroppedTotal() != 0 {
						t.Errorf("batch %d: the guard dropped %d applied records", j, gs.DroppedTotal())
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
