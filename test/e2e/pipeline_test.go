package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// edgeConfig is config/otelcol.yaml with the ports the test picked and the policy file it
// names (minimize and the egress guard), as text the misconfiguration tests edit.
func edgeConfig(t *testing.T, p ports, policyFile string) string {
	t.Helper()
	return renderConfig(t, testworkload.Config{
		Endpoint: fmt.Sprintf("127.0.0.1:%d", p.recv),
		Receiver: map[string]any{
			"cors":         map[string]any{"allowed_origins": []string{"chrome-extension://*"}},
			"service_name": "sbi-extension",
		},
		MemoryLimiter: map[string]any{"check_interval": "1s", "limit_mib": 256},
		Minimize:      true,
		PolicyFile:    policyFile,
		File:          "./data/events.jsonl",
		HealthPort:    p.health,
		MetricsPort:   p.metrics,
	})
}

func renderConfig(t *testing.T, c testworkload.Config) string {
	t.Helper()
	s, err := c.Render()
	require.NoError(t, err)
	return s
}

// seedPolicy is the repository's config/policy.yaml.
func seedPolicy(t *testing.T) string { return filepath.Join(repoRoot(t), "config", "policy.yaml") }

type ports struct{ recv, health, metrics int }

// newPorts picks the collector's receiver, health check and metrics ports.
func newPorts(t *testing.T) ports {
	t.Helper()
	p, err := testworkload.FreePorts(3)
	require.NoError(t, err)
	return ports{recv: p[0], health: p[1], metrics: p[2]}
}

// normalize replaces timestamps taken from a clock during the test by the marker the
// expectations use, after checking they are whole seconds inside [from, to].
func normalize(t *testing.T, lines []cLine, from, to time.Time) []cLine {
	t.Helper()
	lo := uint64(from.Truncate(time.Second).UnixNano())
	hi := uint64(to.UnixNano())
	for _, l := range lines {
		for ri := range l {
			for si := range l[ri].Scopes {
				recs := l[ri].Scopes[si].Records
				for i := range recs {
					for _, ts := range []*uint64{&recs[i].Time, &recs[i].Observed} {
						if *ts >= lo && *ts <= hi {
							assert.Zero(t, *ts%uint64(time.Second), "timestamp %d is finer than the policy's 1s", *ts)
							*ts = nowMarker
						}
					}
				}
			}
		}
	}
	return lines
}

// sendAll sends every request of the scenario to the receiver and returns the lines the
// egress file must hold afterwards.
func sendAll(t *testing.T, recvPort int, version string) []cLine {
	t.Helper()
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", recvPort)

	code, body := post(t, endpoint+"/v1/logs", "application/x-protobuf", protoBody(t, otlpProtoRequest()), false)
	require.Equal(t, http.StatusOK, code, body)
	code, body = post(t, endpoint+"/v1/logs", "application/json", jsonBody(t, otlpJSONRequest()), true)
	require.Equal(t, http.StatusOK, code, body)
	code, body = post(t, endpoint+"/v1/events", "application/json", []byte(compactRequest), false)
	require.Equal(t, http.StatusOK, code, body)
	code, body = post(t, endpoint+"/v1/events", "text/plain;charset=UTF-8", []byte(beaconRequest), false)
	require.Equal(t, http.StatusOK, code, body)

	// Malformed requests carrying personal data: rejected, and the answer does not echo them.
	for _, bad := range []struct{ path, ctype, body string }{
		{"/v1/events", "application/json", `{"service_version":"3.2.1","events":"planted-malformed-1"}`},
		{"/v1/events", "text/plain", `{"service_version":"3.2.1","events":[{"name":"ui.interaction","attributes":{"planted-malformed-2":{"nested":"planted-malformed-3"}}}]}`},
		{"/v1/logs", "application/json", `{"resourceLogs":[{"resource":"planted-malformed-4"}]}`},
		{"/v1/logs", "application/x-protobuf", "\xff\xffplanted-malformed-5"},
	} {
		code, body := post(t, endpoint+bad.path, bad.ctype, []byte(bad.body), false)
		assert.Equal(t, http.StatusBadRequest, code, "%s %s: %s", bad.path, bad.ctype, body)
		assertNoneLeaked(t, "the response to a malformed request", body, planted)
	}

	expected := []cLine{expectedProto(version), expectedJSON(version)}
	expected = append(expected, expectedCompact(version)...)
	expected = append(expected, sendJS(t, endpoint, version)...)
	return expected
}

// TestEdgeToFile is the default deployment: events in through both endpoints and both
// encodings, minimized, written to the egress file; nothing planted leaves.
func TestEdgeToFile(t *testing.T) {
	dir := runDir(t)
	p := newPorts(t)
	version := policyVersion(t)

	// The shipped default, config/otelcol.yaml, as `make run` starts it (ports picked free),
	// logging at debug level: the no-leak check on the log covers everything components may log.
	from := time.Now()
	args := append(exampleArgs(t, "otelcol.yaml", p), "--set=service.telemetry.logs.level=debug")
	c := startWith(t, "edge", dir, args, nil, p.health)
	expected := sendAll(t, p.recv, version)

	// The collector's own metrics are served on the configured pull endpoint.
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", p.metrics))
	require.NoError(t, err)
	mb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	metrics := string(mb)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, metrics, "otelcol_")
	assertNoneLeaked(t, "the metrics endpoint", metrics, planted)

	log := c.stop(t)
	to := time.Now()

	out := filepath.Join(dir, "data", "events.jsonl")
	info, err := os.Stat(out)
	require.NoError(t, err, "the egress file must exist")
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the egress file is private to the collector")

	got := normalize(t, canonicalAll(readOutput(t, out)), from, to)
	t.Logf("egress file: %d lines, %d records", len(got), len(records(t, readOutput(t, out))))
	assert.Equal(t, render(t, expected), render(t, got))

	raw, err := os.ReadFile(out)
	require.NoError(t, err)
	assertNoneLeaked(t, "the egress file", string(raw), planted)
	assert.Contains(t, log, "\tdebug\t", "the collector logged at debug level")
	assertNoneLeaked(t, "the collector's log", log, planted)
	assert.NotContains(t, log, "panic")
}
