package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files of explain")

const (
	seedPolicy  = "../../config/policy.yaml"
	testReceipt = "2026-11-28T10:00:05Z"
	// testKey is the pseudonymization key of features-policy.yaml.
	testKeyEnv = "SBIPOLICY_TEST_KEY"
	testKey    = "0123456789abcdef0123456789abcdef"
)

// explainCases: the example extension's three events, the junk a buggy or
// hostile client sends (compact and OTLP), and a policy using every kind of
// attribute rule. The golden files hold the exact text explain prints.
var explainCases = []struct {
	name, policy, input string
}{
	{"events", seedPolicy, "testdata/events.json"},
	{"events-otlp", seedPolicy, "testdata/events-otlp.json"},
	{"junk", seedPolicy, "testdata/junk.json"},
	{"junk-otlp", seedPolicy, "testdata/junk-otlp.json"},
	{"features", "testdata/features-policy.yaml", "testdata/features.json"},
}

func TestExplainGolden(t *testing.T) {
	t.Setenv(testKeyEnv, testKey)
	for _, tc := range explainCases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"explain", "--policy", tc.policy, "--now", testReceipt, tc.input}, nil, &stdout, &stderr)
			require.Equal(t, 0, code, stderr.String())
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, stdout.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./cmd/sbipolicy -run TestExplainGolden -update")
			assert.Equal(t, string(want), stdout.String())
		})
	}
}

// TestExplainStdin: "-" and no file both read stdin.
func TestExplainStdin(t *testing.T) {
	input, err := os.ReadFile("testdata/events.json")
	require.NoError(t, err)
	want, err := os.ReadFile("testdata/events.golden")
	require.NoError(t, err)
	for _, args := range [][]string{{"-"}, {}} {
		var stdout, stderr bytes.Buffer
		full := append([]string{"explain", "--policy", seedPolicy, "--now", testReceipt}, args...)
		require.Equal(t, 0, run(full, bytes.NewReader(input), &stdout, &stderr), stderr.String())
		assert.Equal(t, string(want), stdout.String())
	}
}

// TestExplainAgreesWithApply: for every input, the attributes the
// explanation keeps (with their rewritten values) are exactly, in order, the
// ones Apply writes, and the records it drops are the ones Apply removes.
func TestExplainAgreesWithApply(t *testing.T) {
	t.Setenv(testKeyEnv, testKey)
	receipt, err := time.Parse(time.RFC3339, testReceipt)
	require.NoError(t, err)
	inputs := []struct{ policy, input string }{{seedPolicy, "../../processor/minimizeprocessor/testdata/input.json"}}
	for _, tc := range explainCases {
		inputs = append(inputs, struct{ policy, input string }{tc.policy, tc.input})
	}
	for _, in := range inputs {
		t.Run(in.input, func(t *testing.T) {
			p, err := policy.LoadFile(in.policy)
			require.NoError(t, err)
			p = p.WithClock(func() time.Time { return receipt })
			data, err := os.ReadFile(in.input)
			require.NoError(t, err)
			ld, _, err := decodeEvents(data, "sbi-extension", receipt)
			require.NoError(t, err)
			require.NotZero(t, ld.LogRecordCount())
			assert.NoError(t, agrees(p, ld))
		})
	}
}

// agrees checks that the explanation of ld is what Apply does to it: each
// kept record's attributes (with rewritten values) are, in order, the ones
// Apply writes, the records it drops are the ones Apply removes, and so for
// each resource's attributes.
func agrees(p *policy.Policy, ld plog.Logs) error {
	x := p.Explain(ld)
	out := plog.NewLogs()
	ld.CopyTo(out)
	p.Apply(out)

	kept := func(axs []policy.AttrExplanation) []string {
		var kv []string
		for _, a := range axs {
			switch a.Outcome {
			case policy.AttrKept:
				kv = append(kv, a.Key+"="+a.In.AsString())
			case policy.AttrRewritten:
				kv = append(kv, a.Key+"="+a.Out)
			}
		}
		return kv
	}
	all := func(m pcommon.Map) []string {
		var kv []string
		for k, v := range m.All() {
			kv = append(kv, k+"="+v.AsString())
		}
		return kv
	}
	var want, got [][]string
	resKept := map[int]bool{}
	for _, r := range x.Records {
		if !r.Dropped {
			resKept[r.Resource] = true
			want = append(want, append([]string{r.Event}, kept(r.Attributes)...))
		}
	}
	for _, r := range x.Resources {
		if resKept[r.Index] {
			want = append(want, append(kept(r.Attributes), policy.VersionAttribute+"="+r.Stamp))
		}
	}
	var resources [][]string
	for _, rl := range out.ResourceLogs().All() {
		resources = append(resources, all(rl.Resource().Attributes()))
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				got = append(got, append([]string{lr.EventName()}, all(lr.Attributes())...))
			}
		}
	}
	got = append(got, resources...)
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("explanation %q, Apply %q", want, got)
	}
	return nil
}

func TestExplainErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		input string
		code  int
		msg   string
	}{
		{"not JSON", nil, "nope", 1, "input is not a JSON object"},
		{"neither format", nil, `{"foo": 1}`, 1, `neither "events"`},
		{"compact unknown field", nil, `{"events": [], "extra": 1}`, 1, "unknown field"},
		{"compact nested value", nil, `{"events": [{"name": "a", "attributes": {"k": {"x": 1}}}]}`, 1, "string, number or boolean"},
		{"compact bad time", nil, `{"events": [{"name": "a", "time": "yesterday"}]}`, 1, "RFC 3339"},
		{"compact missing name", nil, `{"events": [{"time": 1}]}`, 1, "events[0].name: required"},
		{"compact value over the receiver's limit", nil, `{"events": [{"name": "a", "attributes": {"k": "` + strings.Repeat("x", 4097) + `"}}]}`, 1,
			"the receiver rejects this request (400): events[0].attributes: a value longer than max_value_length 4096"},
		{"compact name over the receiver's limit", nil, `{"events": [{"name": "` + strings.Repeat("n", 129) + `"}]}`, 1, "events[0].name: longer than max_key_length 128"},
		{"bad --now", []string{"--now", "soon"}, `{"events": []}`, 2, "--now"},
		{"missing policy", []string{"--policy", "testdata/no-such.yaml"}, `{"events": []}`, 1, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"explain"}, tc.args...)
			if !strings.Contains(strings.Join(tc.args, " "), "--policy") {
				args = append(args, "--policy", seedPolicy)
			}
			code := run(args, strings.NewReader(tc.input), &stdout, &stderr)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr.String(), tc.msg)
			assert.Empty(t, stdout.String())
		})
	}
}

// TestReadmeExample: the worked example in README.md is explain's output for
// testdata/events.json (the golden file), so the README cannot drift from
// what the tool prints. -update rewrites the README's copy.
func TestReadmeExample(t *testing.T) {
	golden, err := os.ReadFile("testdata/events.golden")
	require.NoError(t, err)
	const marker = "output (OTLP JSON"
	head, _, ok := strings.Cut(string(golden), marker)
	require.True(t, ok)
	head = strings.Replace(head, "policy "+seedPolicy, "policy config/policy.yaml", 1)
	var indented strings.Builder
	for _, line := range strings.SplitAfter(head, "\n") {
		if strings.TrimSpace(line) != "" {
			indented.WriteString("   ")
		}
		indented.WriteString(line)
	}
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	const open = "   ```text\n"
	start := strings.Index(string(readme), open)
	end := strings.Index(string(readme), "   "+marker)
	require.True(t, start >= 0 && end > start, "README.md: the explain example block is missing")
	block := string(readme[start+len(open) : end])
	if *update {
		fixed := string(readme[:start+len(open)]) + indented.String() + string(readme[end:])
		require.NoError(t, os.WriteFile("README.md", []byte(fixed), 0o644))
		block = indented.String()
	}
	assert.Equal(t, indented.String(), block, "README.md's example differs from testdata/events.golden: go test ./cmd/sbipolicy -update")
}

// FuzzExplain: the decoders never panic, and whatever they accept, the
// explanation agrees with Apply. The seeds are the test inputs.
func FuzzExplain(f *testing.F) {
	for _, tc := range explainCases {
		data, err := os.ReadFile(tc.input)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(`{"events":[{"name":"search.started","attributes":{"search.trigger":"context_menu","url.full":"https://u:p@1-2-3-4.sslip.io/a/b?q=1"}}]}`))
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"event.name","value":{"stringValue":"ui.interaction"}},{"key":"ui.action","value":{"stringValue":"click"}},{"key":"ui.action","value":{"stringValue":"open"}}]}]}]}]}`))
	p, err := policy.LoadFile(seedPolicy)
	require.NoError(f, err)
	receipt := time.Date(2026, 11, 28, 10, 0, 5, 0, time.UTC)
	p = p.WithClock(func() time.Time { return receipt })
	f.Fuzz(func(t *testing.T, data []byte) {
		ld, _, err := decodeEvents(data, "sbi-extension", receipt)
		if err != nil {
			return
		}
		if err := agrees(p, ld); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRootReadmeExample: the lines of explain output quoted in the root
// README's policy section are lines explain prints for them.
func TestRootReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	golden, err := os.ReadFile("testdata/events.golden")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(readme), "$ go run ./cmd/sbipolicy explain --now 2026-11-28T10:00:05Z cmd/sbipolicy/testdata/events.json\n")
	require.True(t, ok, "README.md: the explain example is missing")
	block, _, _ = strings.Cut(block, "$ echo")
	n := 0
	for _, line := range strings.Split(block, "\n") {
		if line == "" || line == "..." || strings.HasPrefix(line, "  ...") {
			continue
		}
		assert.Contains(t, string(golden), line+"\n")
		n++
	}
	assert.Positive(t, n)
}
