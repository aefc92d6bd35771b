package reliability

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/bench/loadgen"
	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// Crash: kill -9 the collector under load with the persistent queue on, and
// restart it on the same queue directory. Every record the client saw
// acknowledged is delivered after the restart. The guarantee is
// at-least-once: a request the queue had handed to the exporter but whose
// export was not yet recorded as done when the process died is sent again
// after the restart, so duplicates are possible and are counted, not failed.
func TestCrashRecovery(t *testing.T) {
	queueDir := t.TempDir()
	backend := newNode(t, "backend", backendConfig("out.jsonl"))
	front := newNode(t, "front", frontOTLPConfig(queueDir, backend.endpoint))
	backend.start()
	front.start()

	g := newGen(t, "crash")
	var acked [][2]int64
	crashes := pick(1, 3)
	// Events the collector has acknowledged (its counter restarts with the process).
	var accepted float64
	for i := 0; i < crashes; i++ {
		// Even cycles crash with the backend down, so that the queue on disk
		// holds everything acknowledged; odd cycles crash mid-delivery.
		backendDown := i%2 == 0
		if backendDown {
			backend.stop()
		}
		// Load in the background; kill -9 while requests are in flight.
		wait := inBackground(t, g, loadgen.Options{
			URL: front.url(), StartSeq: int64(i) * 1_000_000_000, Records: 50_000_000,
			Duration: pick(4*time.Second, 8*time.Second), BatchSize: 50, Concurrency: 4,
			Timeout: 10 * time.Second, RequestsPerSecond: 400,
		})
		// Kill once this run's load is being acknowledged, not after a fixed
		// time: on a busy machine the first acknowledgement can come later
		// than any sleep, and a kill before it would test nothing.
		before := accepted
		require.Eventually(t, func() bool {
			accepted = front.metric("otelcol_receiver_extevents_events_accepted")
			return accepted >= before+pick(500.0, 2000.0)
		}, 120*time.Second, 20*time.Millisecond, "the collector acknowledges the load")
		queued := front.metric("otelcol_exporter_queue_size")
		front.kill()
		t.Logf("crash %d: killed pid %d with SIGKILL under load (backend down: %v, queue size before: %.0f)", i+1, front.proc.PID(), backendDown, queued)
		res := wait()
		require.NotNil(t, res)
		t.Logf("crash %d: %d records acked, refusals %v", i+1, res.AcceptedRecords, res.Refusals)
		require.Positive(t, res.AcceptedRecords)
		acked = append(acked, res.Acked...)
		front.start() // same queue directory: the persistent queue resumes
		accepted = 0
		if backendDown {
			backend.reconfigure(func(c *testworkload.Config) { c.File = fmt.Sprintf("out-%d.jsonl", i) })
			backend.start()
		}
	}
	// A last phase after the final restart: the restarted collector serves.
	res := load(t, g, front.url(), int64(crashes)*1_000_000_000, 2*time.Second, 2, 50, 200)
	require.Positive(t, res.AcceptedRecords)
	acked = append(acked, res.Acked...)

	out, v := waitDelivered(t, g, filepath.Join(backend.dir, "out*.jsonl"), acked, pick(120*time.Second, 300*time.Second))
	t.Logf("backend output: %d records %v; acknowledged to survive: %d, missing %d, duplicates %d (at-least-once)",
		out.Records, out.ByEvent, v.Acknowledged, v.Missing, v.Duplicates)
	require.Zero(t, v.Missing, "acknowledged records lost across kill -9, e.g. %q\nfront log: %s", v.Examples, front.logTail())
	requireClean(t, out)
}
