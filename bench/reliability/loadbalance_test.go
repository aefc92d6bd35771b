package reliability

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/bench/harness"
	"github.com/sbi-telemetry/otelcol-sbi/bench/loadgen"
	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// lbFrontConfig is frontOTLPConfig with the sending queue's consumers fixed, because they bound
// the duplicates a crash can cause (see TestLoadBalancedKill). The queue does not batch (the
// exporterhelper default), so a consumer holds one client request.
func lbFrontConfig(queueDir, backend string, consumers int) testworkload.Config {
	cfg := frontOTLPConfig(queueDir, backend)
	cfg.Exporter["sending_queue"] = map[string]any{"storage": "file_storage", "num_consumers": consumers}
	return cfg
}

// haproxyConfig balances HTTP requests over the collectors round-robin. A collector that does
// not accept TCP connections is taken out after two failed checks 200 ms apart and put back
// after one good one; a request whose connection to a dead collector fails is redispatched to
// the other (retries + redispatch). A request in flight on a collector that dies gets a 502:
// the client did not see it acknowledged, so it is not counted as acknowledged.
const haproxyConfig = `
global
    maxconn 2000
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
frontend events
    bind %s
    default_backend collectors
backend collectors
    balance roundrobin
%s`

// haproxyBin finds Debian's haproxy, skipping when it is missing (failing under CI=true, where
// .ci/run installs it).
func haproxyBin(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"haproxy", "/usr/sbin/haproxy"} {
		if bin, err := exec.LookPath(p); err == nil {
			return bin
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("haproxy missing under CI (.ci/run installs it with apt-get)")
	}
	t.Skip("haproxy not installed (apt-get install haproxy); the load-balanced test needs it")
	return ""
}

// TestLoadBalancedKill: two otelcol-sbi collectors behind a real load balancer (HAProxy, on
// loopback), each with its own persistent queue, exporting to a third collector playing the
// backend. A client sends under load through the balancer; one collector is killed with
// SIGKILL and restarted on its queue directory (the other keeps serving). Every event the
// client saw acknowledged (HTTP 200) must be delivered to the backend.
//
// Duplicates are allowed and bounded: a request the killed collector's queue had handed to an
// exporter consumer, and that the backend accepted before the queue recorded it as done, is
// sent again after the restart. At most num_consumers requests are in flight per collector,
// so each kill duplicates at most num_consumers x batch records; the test asserts that bound.
func TestLoadBalancedKill(t *testing.T) {
	hp := haproxyBin(t)
	const consumers, batch = 4, 50
	backend := newNode(t, "backend", backendConfig("out.jsonl"))
	var fronts [2]*node
	for i := range fronts {
		fronts[i] = newNode(t, fmt.Sprintf("front%d", i), lbFrontConfig(t.TempDir(), backend.endpoint, consumers))
	}
	backend.start()
	for _, f := range fronts {
		f.start()
	}

	// The balancer, with a generated config, started and stopped by its PID.
	lbPorts, err := testworkload.FreePorts(1)
	require.NoError(t, err)
	lbAddr := fmt.Sprintf("127.0.0.1:%d", lbPorts[0])
	servers := ""
	for i, f := range fronts {
		servers += fmt.Sprintf("    server c%d %s check inter 200ms fall 2 rise 1\n", i, f.endpoint)
	}
	lbDir := t.TempDir()
	lbCfg := filepath.Join(lbDir, "haproxy.cfg")
	require.NoError(t, os.WriteFile(lbCfg, []byte(fmt.Sprintf(haproxyConfig, lbAddr, servers)), 0o600))
	check, err := exec.Command(hp, "-c", "-f", lbCfg).CombinedOutput()
	require.NoError(t, err, "haproxy rejects the generated config: %s", check)
	lb, err := harness.Start("haproxy", hp, []string{"-db", "-f", lbCfg}, nil, filepath.Join(lbDir, "haproxy.log"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = lb.Stop(10 * time.Second) })
	require.NoError(t, lb.WaitTCP(lbAddr, 30*time.Second))
	url := "http://" + lbAddr + "/v1/logs"

	g := newGen(t, "lbkill")
	var acked [][2]int64
	kills := pick(1, 4)
	for i := 0; i < kills; i++ {
		victim := fronts[i%2]
		wait := inBackground(t, g, loadgen.Options{
			URL: url, StartSeq: int64(i) * 1_000_000_000, Records: 50_000_000,
			Duration: pick(6*time.Second, 15*time.Second), BatchSize: batch, Concurrency: 4,
			Timeout: 10 * time.Second, RequestsPerSecond: 300,
		})
		time.Sleep(pick(2*time.Second, 5*time.Second))
		queued := victim.metric("otelcol_exporter_queue_size")
		victim.kill()
		t.Logf("kill %d: SIGKILL to %s (pid %d) under load, its queue size before: %.0f", i+1, victim.name, victim.proc.PID(), queued)
		// Down for a moment: the balancer takes it out, the other collector serves.
		time.Sleep(pick(1*time.Second, 3*time.Second))
		victim.start() // same queue directory: the persistent queue resumes
		res := wait()
		require.NotNil(t, res)
		t.Logf("kill %d: %d requests, %d records acknowledged, refusals %v", i+1, res.Requests, res.AcceptedRecords, res.Refusals)
		require.Positive(t, res.AcceptedRecords)
		acked = append(acked, res.Acked...)
	}
	// Both collectors serve after the last restart.
	for i, f := range fronts {
		res := load(t, g, f.url(), int64(kills+i)*1_000_000_000, time.Second, 1, batch, 50)
		require.Positive(t, res.AcceptedRecords, "%s serves after the restarts", f.name)
		acked = append(acked, res.Acked...)
	}

	out, v := waitDelivered(t, g, filepath.Join(backend.dir, "out*.jsonl"), acked, pick(120*time.Second, 300*time.Second))
	t.Logf("backend output: %d records %v; acknowledged to survive: %d, missing %d, duplicates %d (bound %d)",
		out.Records, out.ByEvent, v.Acknowledged, v.Missing, v.Duplicates, kills*consumers*batch)
	require.Zero(t, v.Missing, "acknowledged records lost behind the balancer, e.g. %q\nfront0 log: %s\nfront1 log: %s",
		v.Examples, fronts[0].logTail(), fronts[1].logTail())
	require.LessOrEqual(t, v.Duplicates, kills*consumers*batch, "more duplicates than the in-flight requests of the killed collectors")
	requireClean(t, out)
}
