package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// noMinimizeConfig forgets minimize: the egress guard is the last line of defense.
func noMinimizeConfig(t *testing.T, p ports) string {
	t.Helper()
	return renderConfig(t, testworkload.Config{
		Endpoint:      fmt.Sprintf("127.0.0.1:%d", p.recv),
		Receiver:      map[string]any{"service_name": "sbi-extension"},
		MemoryLimiter: map[string]any{"check_interval": "1s", "limit_mib": 256},
		PolicyFile:    seedPolicy(t),
		File:          "./data/events.jsonl",
		HealthPort:    p.health,
		MetricsPort:   p.metrics,
	})
}

// TestPipelineWithoutMinimize: a pipeline wired without minimize exports nothing, and the
// collector's log says why (guard drops by reason, no content).
func TestPipelineWithoutMinimize(t *testing.T) {
	dir := t.TempDir()
	p := newPorts(t)
	c := startCollector(t, "no-minimize", dir, noMinimizeConfig(t, p), p.health)

	endpoint := fmt.Sprintf("http://127.0.0.1:%d", p.recv)
	code, body := post(t, endpoint+"/v1/logs", "application/x-protobuf", protoBody(t, otlpProtoRequest()), false)
	require.Equal(t, http.StatusOK, code, body)
	code, body = post(t, endpoint+"/v1/logs", "application/json", jsonBody(t, otlpJSONRequest()), false)
	require.Equal(t, http.StatusOK, code, body)
	code, body = post(t, endpoint+"/v1/events", "application/json", []byte(compactRequest), false)
	require.Equal(t, http.StatusOK, code, body)
	// A client forging the right policy stamp does not get past the guard either: the rest of
	// the record still has to conform.
	forged := otlpProtoRequest()
	forged.ResourceLogs().At(0).Resource().Attributes().PutStr("privacy.policy.version", policyVersion(t))
	code, body = post(t, endpoint+"/v1/logs", "application/x-protobuf", protoBody(t, forged), false)
	require.Equal(t, http.StatusOK, code, body)

	// The drops are counted on the metrics endpoint, by reason.
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", p.metrics))
	require.NoError(t, err)
	metrics := string(mustReadBody(t, resp))
	assert.Contains(t, metrics, "egress_records_dropped")
	assert.Contains(t, metrics, `reason="policy_version"`)
	assertNoneLeaked(t, "the metrics endpoint", metrics, planted)

	log := c.stop(t)
	out := filepath.Join(dir, "data", "events.jsonl")
	assert.Empty(t, readOutput(t, out), "nothing may be exported without minimize")
	if raw, err := os.ReadFile(out); err == nil {
		assertNoneLeaked(t, "the egress file", string(raw), planted)
	}

	assert.Contains(t, log, "egress guard dropped log records that do not conform to the privacy policy")
	assert.Contains(t, log, "is `minimize` in this pipeline?")
	assert.Regexp(t, `"reason": "policy_version"`, log)
	assert.Regexp(t, `"reason": "resource"`, log, "the forged stamp is caught by the resource check")
	assertNoneLeaked(t, "the collector's log", log, planted)
}

func mustReadBody(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

// TestBadPolicyStops: a policy that does not compile stops the collector at start (and fails
// `validate`) with a non-zero exit and a message naming the file, the rule and the problem.
func TestBadPolicyStops(t *testing.T) {
	seed := string(mustRead(t, filepath.Join(repoRoot(t), "config", "policy.yaml")))
	cases := []struct {
		name       string
		old, new   string
		rule, what string
	}{
		{
			name: "unknown clause",
			old:  "    clause: ui\n", new: "    clause: marketing\n",
			rule: `events."ui.interaction".clause`, what: `unknown clause "marketing"`,
		},
		{
			name: "bad type",
			old:  "        type: bool\n", new: "        type: boolean\n",
			rule: `events."settings.state".attribute_prefixes."setting.".type`, what: `unknown type "boolean"`,
		},
		{
			name: "privacy attribute allowed from input",
			old:  "resource:\n  attributes:\n", new: "resource:\n  attributes:\n    privacy.policy.version:\n      type: string\n      clause: reliability\n",
			rule: `resource.attributes."privacy.policy.version"`, what: "privacy.* attributes are reserved for the collector",
		},
		{
			name: "url mode",
			old:  "mode: generalize", new: "mode: everything",
			rule: "url.mode", what: `unknown mode "everything"`,
		},
		{
			name: "url site template",
			old:  "        - /offer/{id}.html", new: "        - /offer/{offer}.html",
			rule: "url.sites[2].templates[0]", what: "unknown placeholder {offer}",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, seed, tc.old, "the seed policy changed: update this case")
			dir := t.TempDir()
			policyFile := filepath.Join(dir, "broken-policy.yaml")
			require.NoError(t, os.WriteFile(policyFile, []byte(strings.Replace(seed, tc.old, tc.new, 1)), 0o600))
			p := newPorts(t)
			cfgFile := writeConfig(t, dir, "edge", edgeConfig(t, p, policyFile))

			for _, args := range [][]string{
				{"--config", "file:" + cfgFile},
				{"validate", "--config", "file:" + cfgFile},
			} {
				code, out := runToExit(t, dir, nil, args...)
				assert.NotEqual(t, 0, code, "%v must fail:\n%s", args, out)
				assert.Contains(t, out, policyFile, "the message names the file")
				assert.Contains(t, out, tc.rule, "the message names the rule")
				assert.Contains(t, out, tc.what, "the message names the problem")
			}
		})
	}

	t.Run("missing file", func(t *testing.T) {
		dir := t.TempDir()
		p := newPorts(t)
		missing := filepath.Join(dir, "no-such-policy.yaml")
		cfgFile := writeConfig(t, dir, "edge", edgeConfig(t, p, missing))
		code, out := runToExit(t, dir, nil, "--config", "file:"+cfgFile)
		assert.NotEqual(t, 0, code, out)
		assert.Contains(t, out, missing)
		assert.Contains(t, out, "no such file")
	})
}

// TestBadConfigStops: configuration mistakes stop the collector with a non-zero exit and a
// message that says what is wrong.
func TestBadConfigStops(t *testing.T) {
	cases := []struct {
		name     string
		old, new string
		want     []string
	}{
		{
			name: "unknown receiver key",
			old:  "    service_name: sbi-extension\n", new: "    service_name: sbi-extension\n    servce_name: typo\n",
			want: []string{"extevents", "servce_name"},
		},
		{
			name: "egress with two destinations",
			old:  "      path: ./data/events.jsonl\n", new: "      path: ./data/events.jsonl\n    otlp:\n      endpoint: http://127.0.0.1:1\n",
			want: []string{"egress/file", "exactly one destination"},
		},
		{
			name: "client metadata into the pipeline",
			old:  "    service_name: sbi-extension\n", new: "    service_name: sbi-extension\n    include_metadata: true\n",
			want: []string{"extevents", "include_metadata must be false"},
		},
		{
			name: "pipeline names an undefined processor",
			old:  "        - minimize\n", new: "        - minimise\n",
			want: []string{"minimise", "not configured"},
		},
		{
			name: "policy named twice",
			old:  "  egress/file:\n", new: "  egress/file:\n    policy: {version: x}\n",
			want: []string{"egress/file", "mutually exclusive"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := newPorts(t)
			cfg := edgeConfig(t, p, seedPolicy(t))
			require.Contains(t, cfg, tc.old)
			cfgFile := writeConfig(t, dir, "edge", strings.Replace(cfg, tc.old, tc.new, 1))
			for _, args := range [][]string{
				{"--config", "file:" + cfgFile},
				{"validate", "--config", "file:" + cfgFile},
			} {
				code, out := runToExit(t, dir, nil, args...)
				assert.NotEqual(t, 0, code, "%v must fail:\n%s", args, out)
				for _, w := range tc.want {
					assert.Contains(t, out, w)
				}
			}
		})
	}
}
