package reliability

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/bench/loadgen"
	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// Backend outage: otelcol-sbi exports over OTLP to a second collector with
// its persistent queue on; the backend goes down for a while under load and
// comes back. Every acknowledged record arrives, exactly once and exactly in
// minimized form.
func TestBackendOutage(t *testing.T) {
	queueDir := t.TempDir()
	backend := newNode(t, "backend", backendConfig("out-1.jsonl"))
	front := newNode(t, "front", frontOTLPConfig(queueDir, backend.endpoint))
	backend.start()
	front.start()

	g := newGen(t, "outage")
	var acked, uncertain [][2]int64
	phase := func(i int64, d time.Duration) {
		res := load(t, g, front.url(), i*1_000_000_000, d, 2, 50, 200)
		require.Positive(t, res.AcceptedRecords, "phase %d: nothing acknowledged", i)
		acked = append(acked, res.Acked...)
		uncertain = append(uncertain, res.Uncertain...)
	}
	phase(0, pick(2*time.Second, 10*time.Second))

	backend.stop()
	// The front keeps acknowledging: records wait in the persistent queue.
	phase(1, pick(4*time.Second, 60*time.Second))
	queued := front.metric("otelcol_exporter_queue_size")
	t.Logf("queue size with the backend down: %.0f", queued)

	// Back up on the same address, writing a new file.
	backend.reconfigure(func(c *testworkload.Config) { c.File = "out-2.jsonl" })
	backend.start()
	phase(2, pick(2*time.Second, 10*time.Second))

	glob := filepath.Join(backend.dir, "out-*.jsonl")
	out, v := waitDelivered(t, g, glob, acked, pick(120*time.Second, 300*time.Second))
	t.Logf("backend output: %d records %v; acknowledged to survive: %d, missing %d, duplicates %d",
		out.Records, out.ByEvent, v.Acknowledged, v.Missing, v.Duplicates)
	require.Zero(t, v.Missing, "acknowledged records lost in the outage, e.g. %q\nfront log: %s", v.Examples, front.logTail())
	require.Zero(t, v.Duplicates, "records delivered twice")
	requireClean(t, out)
	// Count: beyond the acknowledged records, only those whose requests the
	// client could not see answered (cut off by the phase's time bound) may
	// arrive; nothing refused (503) does.
	require.LessOrEqual(t, out.Records, surviving(g, acked)+surviving(g, uncertain))
}

// surviving counts the records of batches that survive minimization
// (search.started with a non-user trigger is kept without its URL, so it
// counts too).
func surviving(g *loadgen.Generator, acked [][2]int64) int {
	n := 0
	for _, b := range acked {
		for s := b[0]; s < b[0]+b[1]; s++ {
			if k := g.KindOf(s); k.Acknowledged() || k == testworkload.KindSearchAuto {
				n++
			}
		}
	}
	return n
}
