package reliability

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// frontMemQueueConfig exports to backend, which is down at first, through
// an in-memory queue large enough that only the memory limiter (the memory
// budget) stops it from growing.
func frontMemQueueConfig(backend string) testworkload.Config {
	return testworkload.Config{
		Receiver:      noRateLimit(),
		MemoryLimiter: map[string]any{"check_interval": "100ms", "limit_mib": limitMiB, "spike_limit_mib": spikeMiB},
		Minimize:      true,
		Backend:       "http://" + backend,
		Exporter: map[string]any{
			"sending_queue":    map[string]any{"queue_size": 10000000, "sizer": "items"},
			"retry_on_failure": retryForever(),
		},
	}
}

// Memory pressure: the backend is down and the queue is in memory and
// practically unbounded, so the backlog grows until the memory limiter
// refuses data (503). Resident memory stays under the hard limit the limiter
// is configured for (see hardLimitMiB); once the backend is back, every
// acknowledged record is delivered.
func TestMemoryLimiterUnderBacklog(t *testing.T) {
	backend := newNode(t, "backend", backendConfig("out.jsonl"))
	front := newNode(t, "front", frontMemQueueConfig(backend.endpoint))
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
	// Load until the memory limiter has refused data for a while, not for a
	// fixed time (a busier machine fills the memory later); bounded.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	refusals := pick(500.0, 20000.0)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for ctx.Err() == nil {
			if front.metric("otelcol_receiver_extevents_requests", `outcome="refused"`) >= refusals {
				cancel()
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	res := loadContext(ctx, t, g, front.url(), 0, pick(120*time.Second, 300*time.Second), 4, 100, 0)
	cancel()
	<-watched
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
