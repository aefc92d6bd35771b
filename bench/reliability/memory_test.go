package reliability

import (
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// frontMemQueueConfig exports to a backend that is down at first, through
// an in-memory queue large enough that only the memory limiter stops it
// from growing.
const frontMemQueueConfig = `
receivers:
  extevents:
    endpoint: {{ENDPOINT}}
    rate_limit:
      requests_per_second: 0
processors:
  memory_limiter:
    check_interval: 100ms
    limit_mib: {{LIMIT_MIB}}
    spike_limit_mib: {{SPIKE_MIB}}
  minimize: {}
exporters:
  egress/backend:
    otlp:
      protocol: http
      endpoint: http://{{BACKEND}}
    sending_queue:
      queue_size: 10000000
      sizer: items
    retry_on_failure:
      enabled: true
      initial_interval: 100ms
      max_interval: 1s
      max_elapsed_time: 0s
service:
  pipelines:
    logs:
      receivers: [extevents]
      processors: [memory_limiter, minimize]
      exporters: [egress/backend]
` + telemetryYAML

// Memory pressure: the backend is down and the queue is in memory and
// practically unbounded, so the backlog grows until the memory limiter
// refuses data (503). Resident memory stays under the hard limit the limiter
// is configured for (see hardLimitMiB); once the backend is back, every
// acknowledged record is delivered.
func TestMemoryLimiterUnderBacklog(t *testing.T) {
	backend := newNode(t, "backend", backendConfig, map[string]string{"OUT": "out.jsonl"})
	lim := memoryLimits()
	lim["BACKEND"] = backend.endpoint
	front := newNode(t, "front", frontMemQueueConfig, lim)
	// The memory limiter bounds the heap it measures; GOMEMLIMIT makes the
	// garbage collector keep the rest of the process near it. Without it
	// this test saw a 292 MiB peak with limit_mib 160: deployments need both.
	front.env = memoryEnv()
	front.start()

	var stop atomic.Bool
	var wg sync.WaitGroup
	var maxRSS atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if r, err := front.proc.RSS(); err == nil && r > maxRSS.Load() {
				maxRSS.Store(r)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	g := newGen(t, "memq")
	res := load(t, g, front.url(), 0, pick(15*time.Second, 60*time.Second), 4, 100, 0)
	stop.Store(true)
	wg.Wait()
	hwm, err := front.proc.PeakRSS()
	require.NoError(t, err)
	queued := front.metric("otelcol_exporter_queue_size")
	t.Logf("backlog: %.0f records queued in memory; peak RSS %.1f MiB (sampled max %.1f), hard limit %d MiB (limit_mib %d); refusals %v",
		queued, float64(hwm)/(1<<20), float64(maxRSS.Load())/(1<<20), hardLimitMiB, limitMiB, res.Refusals)
	require.Positive(t, res.Refusals["503"], "the memory limiter never refused: the backlog did not reach the limit")
	require.Less(t, hwm, int64(hardLimitMiB)<<20, "resident memory exceeded the hard limit")

	backend.start()
	out, v := waitDelivered(t, g, filepath.Join(backend.dir, "out*.jsonl"), res.Acked, pick(180*time.Second, 300*time.Second))
	t.Logf("backend output: %d records; acknowledged to survive: %d, missing %d, duplicates %d", out.Records, v.Acknowledged, v.Missing, v.Duplicates)
	require.Zero(t, v.Missing, "acknowledged records lost, e.g. %q", v.Examples)
	requireClean(t, out)
}
