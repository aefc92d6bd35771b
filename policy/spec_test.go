package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/config"
)

const minimalPolicy = `
version: "t-1"
clauses: {ui: "§2 UI interaction telemetry"}
events:
  ui.interaction:
    clause: ui
    attributes:
      ui.action: {type: string, enum: [click]}
`

// TestPolicyErrors: a policy that does not load names the source, the rule
// and the problem.
func TestPolicyErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown top-level key", minimalPolicy + "extra: 1\n", []string{"bad.yaml", "field extra not found"}},
		{"typo in rule key", strings.Replace(minimalPolicy, "enum:", "enums:", 1), []string{"bad.yaml", "field enums not found"}},
		{"missing version", strings.Replace(minimalPolicy, `version: "t-1"`, "", 1), []string{"bad.yaml", "version", "is required"}},
		{"no events", `{version: x, clauses: {a: b}}`, []string{"bad.yaml", "events", "at least one event"}},
		{"unknown clause", strings.Replace(minimalPolicy, "clause: ui", "clause: marketing", 1), []string{`events."ui.interaction".clause`, `unknown clause "marketing"`}},
		{"event without clause", strings.Replace(minimalPolicy, "clause: ui", "", 1), []string{`events."ui.interaction".clause`, "must name the privacy-policy clause"}},
		{"bad type", strings.Replace(minimalPolicy, "type: string", "type: text", 1), []string{`events."ui.interaction".attributes."ui.action".type`, `unknown type "text"`}},
		{"missing type", strings.Replace(minimalPolicy, "type: string, ", "", 1), []string{`"ui.action".type`, "is required"}},
		{"bad pattern", strings.Replace(minimalPolicy, "enum: [click]", "pattern: '[a-'", 1), []string{`"ui.action".pattern`, "error parsing regexp"}},
		{"enum on bool", strings.Replace(minimalPolicy, "type: string", "type: bool", 1), []string{`"ui.action"`, "string attributes only"}},
		{"bad url mode", minimalPolicy + "url: {mode: full}\n", []string{"url.mode", `unknown mode "full"`}},
		{"url max length too large", minimalPolicy + "url: {max_length: 99999}\n", []string{"url.max_length", "between 1 and 2048"}},
		{"bad query key", minimalPolicy + "url: {query_allowlist: ['a=b']}\n", []string{"url.query_allowlist[0]", "not a plain query parameter"}},
		{"bad granularity", minimalPolicy + "timestamp_granularity: soon\n", []string{"timestamp_granularity", "invalid duration"}},
		{"zero granularity", minimalPolicy + "timestamp_granularity: 0s\n", []string{"timestamp_granularity", "between 1ns and 24h"}},
		{"privacy attribute allowed", strings.Replace(minimalPolicy, "ui.action:", "privacy.consent:", 1), []string{`"privacy.consent"`, "reserved for the collector"}},
		{"prefix without name pattern", minimalPolicy + "    attribute_prefixes:\n      setting.: {type: bool}\n", []string{`attribute_prefixes."setting."`, "name_pattern", "is required"}},
		{"when on unknown attribute", strings.Replace(minimalPolicy, "enum: [click]", "enum: [click], when: {search.trigger: [x]}", 1), []string{`"ui.action".when`, `refers to "search.trigger"`}},
		{"pseudonymize without key", strings.Replace(minimalPolicy, "enum: [click]", "pseudonymize: true", 1), []string{`"ui.action".pseudonymize`, "key_env"}},
		{"key env unset", minimalPolicy + "pseudonymization: {key_env: SBI_UNSET_FOR_TEST}\n", []string{"pseudonymization.key_env", "SBI_UNSET_FOR_TEST", "at least 32 bytes"}},
		{"unknown detector", strings.Replace(minimalPolicy, "enum: [click]", "scan: {detectors: [ssn]}", 1), []string{`"ui.action".scan`, `unknown detector "ssn"`}},
		{"unknown scan action", strings.Replace(minimalPolicy, "enum: [click]", "scan: {detectors: [email], action: hash}", 1), []string{`"ui.action".scan`, `unknown action "hash"`}},
		{"not yaml", "\t- :", []string{"bad.yaml", "yaml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse([]byte(tc.yaml), "bad.yaml", func(string) string { return "" }, time.Now)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestSeedPolicyIsTheConfigFile(t *testing.T) {
	onDisk, err := os.ReadFile(filepath.Join("..", "config", "policy.yaml"))
	require.NoError(t, err)
	assert.Equal(t, onDisk, config.SeedPolicy)
	p, err := LoadFile(filepath.Join("..", "config", "policy.yaml"))
	require.NoError(t, err)
	assert.Same(t, Seed(), p, "the same content compiles once")
}

func TestConfigCompile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.yaml")
	require.NoError(t, os.WriteFile(file, []byte(minimalPolicy), 0o600))

	p, err := (&Config{}).Compile()
	require.NoError(t, err)
	assert.Same(t, Seed(), p)

	p, err = (&Config{PolicyFile: file}).Compile()
	require.NoError(t, err)
	assert.Equal(t, "t-1", p.Version())
	again, err := (&Config{PolicyFile: file}).Compile()
	require.NoError(t, err)
	assert.Same(t, p, again, "processor and guard naming one file share one policy")

	p, err = (&Config{Policy: map[string]any{
		"version": "inline-1",
		"clauses": map[string]any{"ui": "§2"},
		"events":  map[string]any{"ui.interaction": map[string]any{"clause": "ui"}},
	}}).Compile()
	require.NoError(t, err)
	assert.Equal(t, "inline-1", p.Version())

	err = (&Config{PolicyFile: file, Policy: map[string]any{"version": "x"}}).Validate()
	assert.ErrorContains(t, err, "mutually exclusive")

	err = (&Config{PolicyFile: filepath.Join(dir, "missing.yaml")}).Validate()
	assert.ErrorContains(t, err, "missing.yaml")
}
