package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:4318/v1/logs", "http://127.0.0.9:1/x", "http://localhost:4318", "http://[::1]:4318"} {
		assert.NoError(t, CheckLoopback(ok), ok)
	}
	for _, bad := range []string{"http://10.0.0.1:4318", "http://example.com/v1/logs", "http://192.168.1.1", "::"} {
		assert.Error(t, CheckLoopback(bad), bad)
	}
}

// An output that holds exactly the minimized form of the acknowledged
// records verifies clean; dropping one is reported as missing, repeating one
// as a duplicate, a planted marker as a leak; the records of a batch that
// was not acknowledged count neither way.
func TestVerify(t *testing.T) {
	g, err := NewGenerator("ver", testworkload.DefaultMix)
	require.NoError(t, err)
	acked := [][2]int64{{0, 200}, {1000, 50}}
	unacked := [2]int64{2000, 50} // e.g. cut off by the time bound, yet taken
	minimized := func(skip, dup int64, leak bool) string {
		ld := plog.NewLogs()
		var lrs plog.LogRecordSlice
		for _, b := range append(acked, unacked) {
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("service.name", "sbi-extension")
			rl.Resource().Attributes().PutStr("service.version", testworkload.BatchVersion(b[0]))
			rl.Resource().Attributes().PutStr("privacy.policy.version", "1")
			lrs = rl.ScopeLogs().AppendEmpty().LogRecords()
			for s := b[0]; s < b[0]+b[1]; s++ {
				e, ok := g.Expect(s)
				if !ok || s == skip {
					continue
				}
				for i := 0; i < 1+int(boolInt(s == dup)); i++ {
					lr := lrs.AppendEmpty()
					lr.SetEventName(e.EventName)
					require.NoError(t, lr.Attributes().FromRaw(e.Attrs))
				}
			}
		}
		if leak {
			lrs.AppendEmpty().Attributes().PutStr("ui.label", g.Marker(7))
		}
		b, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
		require.NoError(t, err)
		return string(b) + "\n"
	}
	firstUI := func(from int64) int64 {
		for s := from; ; s++ {
			if g.KindOf(s) == testworkload.KindUI {
				return s
			}
		}
	}
	ui, dup := firstUI(0), firstUI(1000)
	require.Less(t, dup, int64(1050))
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(s), 0o600))
		return p
	}

	out, err := ReadOutput(write("clean.jsonl", minimized(-1, -1, false)))
	require.NoError(t, err)
	v := g.Verify(out, acked)
	assert.Positive(t, v.Acknowledged)
	assert.Zero(t, v.Missing)
	assert.Zero(t, v.Duplicates)
	assert.Zero(t, out.LeakCount)
	assert.Zero(t, out.ShapeCount)

	out, err = ReadOutput(write("faults.jsonl", minimized(ui, dup, true)))
	require.NoError(t, err)
	v = g.Verify(out, acked)
	assert.Equal(t, 1, v.Missing)
	assert.Equal(t, []string{mustExpect(t, g, ui).Key(0)}, v.Examples)
	assert.Equal(t, 1, v.Duplicates)
	assert.Equal(t, 1, out.LeakCount)

	_, err = ReadOutput(write("torn.jsonl", `{"resourceLogs":[{"res`+"\n"))
	require.Error(t, err, "a half-written line is an error")

	// Read while the writer is part way through a line: the complete lines count,
	// the unterminated tail is not output yet.
	clean := minimized(-1, -1, false)
	require.True(t, strings.HasSuffix(clean, "\n"))
	out, err = ReadOutput(write("writing.jsonl", clean+`{"resourceLogs":[{"res`))
	require.NoError(t, err)
	assert.Equal(t, 1, out.Unterminated)
	assert.Zero(t, g.Verify(out, acked).Missing)
	assert.Equal(t, strings.Count(clean, "\n"), out.Lines)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mustExpect(t *testing.T, g *Generator, s int64) testworkload.Expected {
	e, ok := g.Expect(s)
	require.True(t, ok)
	return e
}

// Run stops at the count bound, counts refusals by status and records only
// fully acknowledged batches.
func TestRunBoundsAndAcknowledgements(t *testing.T) {
	var mu sync.Mutex
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		calls++
		c := calls
		mu.Unlock()
		if c%4 == 0 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	g, err := NewGenerator("run", testworkload.DefaultMix)
	require.NoError(t, err)
	res, err := g.Run(context.Background(), Options{URL: srv.URL + "/v1/logs", Records: 1000, Duration: time.Minute, BatchSize: 10, Concurrency: 3})
	require.NoError(t, err)
	assert.EqualValues(t, 100, res.Requests)
	assert.EqualValues(t, 1000, res.SentRecords)
	assert.EqualValues(t, 25, res.Refusals["429"])
	assert.EqualValues(t, 750, res.AcceptedRecords)
	var acked int64
	for _, a := range res.Acked {
		acked += a[1]
	}
	assert.EqualValues(t, 750, acked)

	_, err = g.Run(context.Background(), Options{URL: "http://192.0.2.1/v1/logs", Records: 1, Duration: time.Second, BatchSize: 1, Concurrency: 1})
	require.ErrorContains(t, err, "loopback")
}
