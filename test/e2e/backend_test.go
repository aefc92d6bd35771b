package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFanoutToBackend runs config/otelcol-fanout.yaml against a backend (otlpSink): what the
// backend receives equals what the edge's file holds, record for record, also across a
// backend outage and an edge restart (the persistent queue keeps what was accepted).
func TestFanoutToBackend(t *testing.T) {
	version := policyVersion(t)
	backendDir := t.TempDir()
	bp := newPorts(t)
	backend := startSink(t, bp.recv, backendDir)

	// The backend refuses requests without the token.
	code, _ := post(t, fmt.Sprintf("http://127.0.0.1:%d/v1/logs", bp.recv), "application/json", []byte(`{}`), false)
	require.Equal(t, http.StatusUnauthorized, code)

	edgeDir := runDir(t)
	ep := newPorts(t)
	edgeArgs := exampleArgs(t, "otelcol-fanout.yaml", ep)
	edgeEnv := append([]string{fmt.Sprintf("SBI_BACKEND_ENDPOINT=http://127.0.0.1:%d", bp.recv)}, exampleEnv...)
	from := time.Now()
	edge := startWith(t, "edge", edgeDir, edgeArgs, edgeEnv, ep.health)

	expected := sendAll(t, ep.recv, version)
	edgeFile := filepath.Join(edgeDir, "data", "events.jsonl")
	received := filepath.Join(backendDir, "data", "received.jsonl")
	want := 0
	for _, l := range expected {
		for _, r := range l {
			for _, s := range r.Scopes {
				want += len(s.Records)
			}
		}
	}
	require.Eventually(t, func() bool { return len(records(t, readSoFar(t, received))) >= want },
		startTimeout, 100*time.Millisecond, "the backend did not receive %d records", want)

	// Backend outage: the edge keeps accepting, its file keeps the audit trail, and the
	// queue (file_storage) keeps what the backend has not acknowledged across an edge restart.
	backend.stop(t)
	code, body := post(t, fmt.Sprintf("http://127.0.0.1:%d/v1/events", ep.recv), "application/json", []byte(compactRequest), false)
	require.Equal(t, http.StatusOK, code, body)
	require.Eventually(t, func() bool { return len(records(t, readSoFar(t, edgeFile))) >= want+4 },
		startTimeout, 100*time.Millisecond, "the edge file did not get the records sent during the outage")
	edgeLog := edge.stop(t)

	backend = startSink(t, bp.recv, backendDir)
	edge = startWith(t, "edge", edgeDir, edgeArgs, edgeEnv, ep.health)
	require.Eventually(t, func() bool { return len(records(t, readSoFar(t, received))) >= want+4 },
		startTimeout, 100*time.Millisecond, "the queued records did not reach the backend after the restart")
	edgeLog += edge.stop(t)
	backend.stop(t)
	to := time.Now()

	edgeOut := readOutput(t, edgeFile)
	got := normalize(t, canonicalAll(edgeOut), from, to)
	assert.Equal(t, render(t, append(expected, expectedCompact(version)[0])), render(t, got))
	assert.Equal(t, records(t, edgeOut), records(t, readOutput(t, received)),
		"the backend must hold exactly what the edge's file holds")

	for what, path := range map[string]string{"the edge file": edgeFile, "the backend file": received} {
		assertNoneLeaked(t, what, string(mustRead(t, path)), planted)
	}
	assertNoneLeaked(t, "the edge's log", edgeLog, planted)
	assert.NotContains(t, edgeLog, "e2e-backend-token-0f5c", "the token must never be logged")
}
