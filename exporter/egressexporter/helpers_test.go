package egressexporter

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// secretMarker is planted in raw input where the policy forbids data; tests
// assert it never appears in output files, backends or the collector log.
const secretMarker = "alice@example.com"

var baseTime = time.Date(2026, 11, 28, 10, 0, 0, 123456789, time.UTC)

// receipt is when the receiver got rawBatch's events; their event times lie
// in the six hours before it, within the seed policy's bounds, so
// minimizing a batch twice gives the same bytes.
var (
	receipt   = time.Now()
	eventBase = receipt.Add(-6 * time.Hour).Truncate(time.Second).Add(123456789)
)

// controls are names from the seed policy's ui.control vocabulary.
var controls = []string{"search_button", "upload_image", "open_options", "close_popup", "help_link", "toolbar_icon", "save_settings"}

// rawBatch is what an extension (or a misbehaving one) sends before
// minimization: per-device resource attributes, bodies, trace context,
// sub-second timestamps, URLs with queries and extra attributes.
func rawBatch(seed, n int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	ra := rl.Resource().Attributes()
	ra.PutStr("service.name", "sbi-extension")
	ra.PutStr("service.version", "3.2.1")
	ra.PutStr("browser.user_agent", "Mozilla/5.0 (X11; Linux x86_64)")
	ra.PutStr("client.address", "203.0.113.7")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("sbi-extension-telemetry")
	for i := range n {
		k := seed*1000 + i
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(eventBase.Add(time.Duration(k) * time.Second)))
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(receipt))
		lr.Body().SetStr("user " + secretMarker + " clicked")
		a := lr.Attributes()
		a.PutStr("user.email", secretMarker)
		switch k % 3 {
		case 0:
			lr.SetEventName("ui.interaction")
			a.PutStr("ui.surface", "popup")
			a.PutStr("ui.control", controls[k%len(controls)])
			a.PutStr("ui.action", "click")
		case 1:
			lr.SetEventName("settings.state")
			a.PutBool("setting.open_in_new_tab", k%2 == 0)
			a.PutBool("setting.show_page_button", true)
		default:
			lr.SetEventName("search.started")
			a.PutStr("search.trigger", "page_button")
			a.PutStr("search.marketplace", "aliexpress")
			a.PutStr("url.full", fmt.Sprintf("https://www.example.com/item/%d.html?email=%s#frag", 1005006123456789+k, secretMarker))
		}
	}
	return ld
}

// minimizedBatch is rawBatch after the seed policy: what a correct pipeline
// hands the exporter.
func minimizedBatch(t testing.TB, seed, n int) plog.Logs {
	ld := rawBatch(seed, n)
	policy.Seed().Apply(ld)
	require.Equal(t, n, ld.LogRecordCount(), "the seed policy keeps every record of the raw batch")
	return ld
}

func jsonLine(t testing.TB, ld plog.Logs) string {
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	require.NoError(t, err)
	return string(b)
}

// readAllLines reads the active file and every rotated file (decompressing
// .gz) in rotation order, the active file last.
func readAllLines(t *testing.T, active string) []string {
	t.Helper()
	dir := filepath.Dir(active)
	ext := filepath.Ext(active)
	prefix := strings.TrimSuffix(filepath.Base(active), ext) + "-"
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var rotated []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			rotated = append(rotated, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(rotated)
	var lines []string
	for _, p := range append(rotated, active) {
		lines = append(lines, readLines(t, p)...)
	}
	return lines
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		require.NoError(t, err)
		defer zr.Close()
		r = zr
	}
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	require.NoError(t, sc.Err())
	return out
}

// decodeLine parses one line as an OTLP ExportLogsServiceRequest.
func decodeLine(t *testing.T, line string) plog.Logs {
	t.Helper()
	req := plogotlp.NewExportRequest()
	require.NoError(t, req.UnmarshalJSON([]byte(line)))
	return req.Logs()
}

// recordKeys identifies records across batches (the timestamp is unique per
// record in these tests) for at-least-once assertions.
func recordKeys(ld plog.Logs) []string {
	var out []string
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				out = append(out, lr.EventName()+"@"+lr.Timestamp().String())
			}
		}
	}
	return out
}

// testHost serves extensions (storage, auth) to the exporter.
type testHost struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h testHost) GetExtensions() map[component.ID]component.Component { return h.ext }

func mustStart(t *testing.T, c component.Component, host component.Host) {
	t.Helper()
	require.NoError(t, c.Start(context.Background(), host))
}
