// Package reliability holds the reliability tests of otelcol-sbi: sustained
// load, backend outage, crash recovery, hostile clients. They run the built
// distribution (OTELCOL_SBI_BIN, default ../../dist/otelcol-sbi) as child
// processes on 127.0.0.1; `go test -short` runs the short variants.
package reliability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/bench/harness"
	"github.com/sbi-telemetry/otelcol-sbi/bench/loadgen"
	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// sbiBin returns the otelcol-sbi binary, skipping when it is not built
// (failing instead under CI=true, where it must be).
func sbiBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OTELCOL_SBI_BIN")
	if bin == "" {
		bin = "../../dist/otelcol-sbi"
	}
	abs, err := filepath.Abs(bin)
	require.NoError(t, err)
	if _, err := os.Stat(abs); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("otelcol-sbi binary %s missing under CI (run `make build` first)", abs)
		}
		t.Skipf("otelcol-sbi binary %s not built; run `make build` or set OTELCOL_SBI_BIN", abs)
	}
	return abs
}

// pick returns short under -short, long otherwise.
func pick[T any](short, long T) T {
	if testing.Short() {
		return short
	}
	return long
}

type node struct {
	t           *testing.T
	name        string
	cfg         testworkload.Config
	env         []string // extra environment of the collector process
	bin         string
	dir         string
	config      string
	endpoint    string // 127.0.0.1:port of extevents
	metricsPort int
	proc        *harness.Process
	starts      int
}

// newNode prepares a collector with cfg, filling in what is the node's: the
// receiver endpoint, the metrics port, the telemetry levels, and the node's
// directory under a relative egress file path.
func newNode(t *testing.T, name string, cfg testworkload.Config) *node {
	t.Helper()
	base := t.TempDir()
	if keep := os.Getenv("RELIABILITY_WORKDIR"); keep != "" {
		// Kept after the test, for post-mortems.
		base = filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_"))
		_ = os.RemoveAll(filepath.Join(base, name))
	}
	n := &node{t: t, name: name, bin: sbiBin(t), dir: filepath.Join(base, name), cfg: cfg}
	require.NoError(t, os.MkdirAll(n.dir, 0o755))
	ports, err := testworkload.FreePorts(2)
	require.NoError(t, err)
	n.endpoint = fmt.Sprintf("127.0.0.1:%d", ports[0])
	n.metricsPort = ports[1]
	n.reconfigure(func(*testworkload.Config) {})
	t.Cleanup(n.stop)
	return n
}

// reconfigure changes the config and rewrites its file (the endpoint,
// metrics port and directory stay); it applies at the next start.
func (n *node) reconfigure(change func(*testworkload.Config)) {
	n.t.Helper()
	change(&n.cfg)
	cfg := n.cfg
	cfg.Endpoint, cfg.MetricsPort = n.endpoint, n.metricsPort
	cfg.LogLevel, cfg.MetricsLevel = "warn", "normal"
	if cfg.File != "" && !filepath.IsAbs(cfg.File) {
		cfg.File = filepath.Join(n.dir, cfg.File)
	}
	text, err := cfg.Render()
	require.NoError(n.t, err)
	n.config = filepath.Join(n.dir, "config.yaml")
	require.NoError(n.t, os.WriteFile(n.config, []byte(text), 0o600))
}

func (n *node) url() string { return "http://" + n.endpoint + "/v1/logs" }

func (n *node) start() {
	n.t.Helper()
	n.starts++
	p, err := harness.Start(n.name, n.bin, []string{"--config", n.config}, n.env, filepath.Join(n.dir, fmt.Sprintf("collector-%d.log", n.starts)))
	require.NoError(n.t, err)
	n.proc = p
	require.NoError(n.t, p.WaitTCP(n.endpoint, 90*time.Second))
}

// stop ends the collector gracefully (SIGTERM: the exporters drain).
func (n *node) stop() {
	if n.proc != nil && !n.proc.Exited() {
		if err := n.proc.Stop(60 * time.Second); err != nil {
			n.t.Logf("%s: %v", n.name, err)
		}
	}
}

// kill ends the collector with SIGKILL, as a crash would.
func (n *node) kill() {
	if n.proc != nil {
		n.proc.Kill()
	}
}

func (n *node) logTail() string {
	if n.proc == nil {
		return ""
	}
	return n.proc.LogTail(3000)
}

func (n *node) metric(name string, labels ...string) float64 {
	v, err := harness.Metric(context.Background(), n.metricsPort, name, labels...)
	if err != nil {
		return 0
	}
	return v
}

// The memory budget the memory tests hold the collector to, set up as the
// memory_limiter's README prescribes for a process with a hard limit H:
// limit_mib = H - 50 MiB ("the total memory usage of the process will be
// about 50 MiB higher"), spike_limit_mib = 25% of limit_mib (the load is
// spiky: four unthrottled senders; the README starts at 20%), GOMEMLIMIT = 80%
// of H. H is also the RSS target (200 MiB).
const (
	hardLimitMiB  = 200
	limitMiB      = hardLimitMiB - 50
	spikeMiB      = limitMiB / 4
	goMemLimitMiB = hardLimitMiB * 8 / 10
)

func memoryEnv() []string { return []string{fmt.Sprintf("GOMEMLIMIT=%dMiB", goMemLimitMiB)} }

// The configs of the tests' collectors, from the shared template.

// noRateLimit turns the per-client rate limit off: a load generator is one
// client and measures throughput.
func noRateLimit() map[string]any {
	return map[string]any{"rate_limit": map[string]any{"requests_per_second": 0}}
}

// retryForever retries exports until the backend is back.
func retryForever() map[string]any {
	return map[string]any{"enabled": true, "initial_interval": "100ms", "max_interval": "1s", "max_elapsed_time": "0s"}
}

// frontFileConfig: extevents -> memory_limiter (the memory budget) ->
// minimize -> egress/file out.jsonl.
func frontFileConfig() testworkload.Config {
	return testworkload.Config{
		Receiver:      noRateLimit(),
		MemoryLimiter: map[string]any{"check_interval": "100ms", "limit_mib": limitMiB, "spike_limit_mib": spikeMiB},
		Minimize:      true,
		File:          "out.jsonl",
	}
}

// frontOTLPConfig: extevents -> memory_limiter -> minimize -> egress/backend
// (OTLP/HTTP to backend, persistent queue in file_storage at queueDir, retry
// without a deadline).
func frontOTLPConfig(queueDir, backend string) testworkload.Config {
	return testworkload.Config{
		Receiver:      noRateLimit(),
		MemoryLimiter: map[string]any{"check_interval": "100ms", "limit_mib": 256},
		Minimize:      true,
		Backend:       "http://" + backend,
		Extensions:    map[string]any{"file_storage": map[string]any{"directory": queueDir}},
		Exporter: map[string]any{
			"sending_queue":    map[string]any{"storage": "file_storage"},
			"retry_on_failure": retryForever(),
		},
	}
}

// backendConfig: a second otelcol-sbi as the backend, writing what it
// receives (already minimized) to out, a path in its directory. Its receiver
// stamps each record's observed time with its own time of receipt, which the
// guard would refuse untruncated, so it runs minimize again (idempotent on
// minimized records) before its guard re-checks.
func backendConfig(out string) testworkload.Config {
	r := noRateLimit()
	r["max_request_body_size"] = 268435456
	r["limits"] = map[string]any{"max_events_per_request": 10000000}
	return testworkload.Config{Receiver: r, Minimize: true, File: out}
}

func newGen(t *testing.T, run string) *loadgen.Generator {
	g, err := loadgen.NewGenerator(run, testworkload.DefaultMix)
	require.NoError(t, err)
	return g
}

// load runs one bounded phase of unique load and returns what was acked.
// rps caps requests per second (0: unlimited), which bounds the output size.
func load(t *testing.T, g *loadgen.Generator, url string, startSeq int64, d time.Duration, c, batch int, rps float64) *loadgen.Result {
	t.Helper()
	return loadContext(context.Background(), t, g, url, startSeq, d, c, batch, rps)
}

// loadContext is load that also ends when ctx is done.
func loadContext(ctx context.Context, t *testing.T, g *loadgen.Generator, url string, startSeq int64, d time.Duration, c, batch int, rps float64) *loadgen.Result {
	t.Helper()
	res, err := g.Run(ctx, loadgen.Options{
		URL: url, StartSeq: startSeq, Records: 50_000_000, Duration: d,
		BatchSize: batch, Concurrency: c, Timeout: 20 * time.Second, RequestsPerSecond: rps,
	})
	require.NoError(t, err)
	t.Logf("load from seq %d: %d requests, %d records acked (%.0f/s), refusals %v, p99 %.1f ms",
		startSeq, res.Requests, res.AcceptedRecords, res.AcceptedPerSec, res.Refusals, res.LatencyMs.P99)
	return res
}

// inBackground runs a load on its own goroutine, for tests that act on the
// collectors while requests are in flight; wait blocks until the load ends
// and returns its result (a failed load fails the test and returns nil).
func inBackground(t *testing.T, g *loadgen.Generator, opts loadgen.Options) (wait func() *loadgen.Result) {
	done := make(chan *loadgen.Result, 1)
	go func() {
		res, err := g.Run(context.Background(), opts)
		if err != nil {
			t.Errorf("load: %v", err)
			res = nil
		}
		done <- res
	}()
	return func() *loadgen.Result { return <-done }
}

// waitDelivered polls the output until every acknowledged record is there.
func waitDelivered(t *testing.T, g *loadgen.Generator, glob string, acked [][2]int64, timeout time.Duration) (*loadgen.Output, loadgen.Verdict) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, err := loadgen.ReadOutput(glob)
		require.NoError(t, err)
		v := g.Verify(out, acked)
		if v.Missing == 0 || time.Now().After(deadline) {
			return out, v
		}
		time.Sleep(time.Second)
	}
}

// requireClean asserts that the output holds nothing planted and only minimized records.
func requireClean(t *testing.T, out *loadgen.Output) {
	t.Helper()
	require.Zero(t, out.LeakCount, "planted PII markers leaked into the output: %q", out.Leaks)
	require.Zero(t, out.ShapeCount, "records not in minimized form: %q", out.Shape)
}
