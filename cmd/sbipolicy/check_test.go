package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/sbi-telemetry/otelcol-sbi/processor/minimizeprocessor"
)

// TestCheck: check prints, for each broken policy, exactly the error the
// collector gets for it, both where `otelcol validate` and the config walk
// ask (the minimize config's Validate) and where the collector starts the
// processor (its factory) — the same function, not a copy of its messages.
func TestCheck(t *testing.T) {
	t.Setenv(testKeyEnv, testKey)
	base, err := os.ReadFile("testdata/diff-base.yaml")
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		old, new string // an edit of diff-base.yaml; "" old: new is the whole file
		wantMsg  []string
	}{
		{"unknown clause", "    clause: ui\n", "    clause: marketing\n",
			[]string{`events."ui.interaction".clause: unknown clause "marketing"`}},
		{"bad regexp", "pattern: '^[a-z ]+$'", "pattern: '^[a-z'",
			[]string{`events."ui.interaction".attributes."ui.label".pattern`, "missing closing ]"}},
		{"reserved attribute", "resource:\n  attributes:\n", "resource:\n  attributes:\n    privacy.policy.version: {type: string, clause: reliability}\n",
			[]string{"privacy.* attributes are reserved for the collector"}},
		{"unknown key", "timestamp_granularity: 1s", "timestamp_granularity: 1s\ntimestamp_granularty: 1s",
			[]string{"field timestamp_granularty not found"}},
		{"pseudonymize without a key", "pseudonymization:\n  key_env: SBIPOLICY_TEST_KEY\n", "",
			[]string{`events."ui.interaction".attributes."session.id".pseudonymize: needs pseudonymization.key_env`}},
		{"several errors", "", "clauses: {ui: x}\nevents: {a: {clause: nope}, b: {clause: ui, attributes: {k: {type: text}}}}\n",
			[]string{"version: is required", `events."a".clause: unknown clause "nope"`, `events."b".attributes."k".type: unknown type "text"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := tc.new
			if tc.old != "" {
				require.Contains(t, string(base), tc.old, "diff-base.yaml changed: update this case")
				content = strings.Replace(string(base), tc.old, tc.new, 1)
			}
			file := writePolicy(t, t.TempDir(), "policy.yaml", content)

			var stdout, stderr bytes.Buffer
			code := run([]string{"check", file}, nil, &stdout, &stderr)
			assert.Equal(t, 1, code)
			assert.Empty(t, stdout.String())
			for _, m := range append(tc.wantMsg, file) {
				assert.Contains(t, stderr.String(), m)
			}

			f := minimizeprocessor.NewFactory()
			cfg := f.CreateDefaultConfig().(*minimizeprocessor.Config)
			cfg.Source.PolicyFile = file
			verr := cfg.Source.Validate()
			require.Error(t, verr)
			assert.Equal(t, verr.Error()+"\n", stderr.String(), "check prints the collector's validation message")
			_, serr := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
			require.Error(t, serr)
			assert.Equal(t, serr.Error()+"\n", stderr.String(), "check prints the collector's start-up message")
		})
	}
}

func TestCheckOK(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"check", seedPolicy}, nil, &stdout, &stderr), stderr.String())
	assert.Regexp(t, `^policy \.\./\.\./config/policy\.yaml: version \S+, 3 events: OK\n$`, stdout.String())

	missing := filepath.Join(t.TempDir(), "none.yaml")
	stdout.Reset()
	assert.Equal(t, 1, run([]string{"check", missing}, nil, &stdout, &stderr))
	assert.Contains(t, stderr.String(), missing+": no such file or directory")

	assert.Equal(t, 2, run([]string{"check"}, nil, &stdout, &stderr), "usage")
}
