package reliability

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Sustained load with the memory limiter on: resident memory stays under the
// hard limit the limiter is configured for (see hardLimitMiB), every record the client saw acknowledged (200) is in the
// output in minimized form, and no planted PII marker leaks.
func TestSustainedLoadUnderMemoryLimit(t *testing.T) {
	n := newNode(t, "sustained", frontFileConfig())
	n.env = memoryEnv()
	n.start()

	// Sample RSS while the load runs: the high-water mark (VmHWM) is the
	// assertion, the samples show the trend in the log.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var maxRSS int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if r, err := n.proc.RSS(); err == nil && r > maxRSS {
				maxRSS = r
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	g := newGen(t, "sust")
	// Short: as fast as the box allows; long: capped so the output stays ~1 GB.
	res := load(t, g, n.url(), 0, pick(8*time.Second, 120*time.Second), 4, 50, pick(0.0, 400.0))
	stop.Store(true)
	wg.Wait()
	hwm, err := n.proc.PeakRSS()
	require.NoError(t, err)
	t.Logf("peak RSS %.1f MiB (sampled max %.1f MiB), hard limit %d MiB (limit_mib %d)", float64(hwm)/(1<<20), float64(maxRSS)/(1<<20), hardLimitMiB, limitMiB)
	require.Positive(t, res.AcceptedRecords, "nothing was acknowledged")
	require.Less(t, hwm, int64(hardLimitMiB)<<20, "resident memory exceeded the hard limit")

	n.stop() // graceful: the exporter drains its queue into the file
	out, v := waitDelivered(t, g, n.dir+"/out*.jsonl", res.Acked, 30*time.Second)
	t.Logf("output: %d records %v; acknowledged to survive: %d, missing %d, duplicates %d",
		out.Records, out.ByEvent, v.Acknowledged, v.Missing, v.Duplicates)
	require.Zero(t, v.Missing, "acknowledged records missing from the output, e.g. %q", v.Examples)
	require.Zero(t, v.Duplicates)
	requireClean(t, out)
}
