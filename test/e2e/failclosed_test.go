package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"
)

// The identifier channels a hostile or buggy client tries (issue 9): OTLP fields nobody
// checks, free text in allowed names, a version with a suffix, its own service name, its
// own clock.
var plantedChannels = []string{
	"planted-entity-type", "planted.id.key", "planted.desc.key", "planted-entity.example",
	"planted-client-name", "plantedinstall7", "mail.planted-host.example", "planted_name_xyz",
	"planted-strindex-key", "424242",
}

// queueMarker is an allowed value (a Chrome extension version): it is what the persistent
// queue holds while the backend is down, and what must not stay readable there after the
// backend acknowledged it.
const queueMarker = "31337.4242.777.1"

func strAttr(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func boolAttr(k string, v bool) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: v}}}
}

// plantedChannelsRequest is an OTLP/protobuf request built with the proto module, so it
// can carry what pdata's API cannot set: entity refs and string-index forms.
func plantedChannelsRequest(t *testing.T) []byte {
	now := uint64(time.Now().UnixNano())
	pb := &logspb.LogsData{ResourceLogs: []*logspb.ResourceLogs{{
		Resource: &resourcepb.Resource{
			Attributes: []*commonpb.KeyValue{
				strAttr("service.name", "planted-client-name"),
				strAttr("service.version", "3.2.1-plantedinstall7"),
			},
			EntityRefs: []*commonpb.EntityRef{{
				SchemaUrl: "https://planted-entity.example", Type: "planted-entity-type",
				IdKeys: []string{"planted.id.key"}, DescriptionKeys: []string{"planted.desc.key"},
			}},
		},
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{
			{
				EventName: "ui.interaction", TimeUnixNano: 7777, ObservedTimeUnixNano: 7777,
				Body: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValueStrindex{StringValueStrindex: 424242}},
				Attributes: []*commonpb.KeyValue{
					strAttr("ui.surface", "popup"), strAttr("ui.action", "click"),
					strAttr("ui.control", "mail.planted-host.example"),
					{KeyStrindex: 4242, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "planted-strindex-key"}}},
				},
			},
			{
				EventName: "settings.state", TimeUnixNano: 9_000_000_000_000_000_000, // 2255
				Attributes: []*commonpb.KeyValue{boolAttr("setting.dark_mode", true), boolAttr("setting.planted_name_xyz", true)},
			},
		}}},
	}, {
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strAttr("service.version", queueMarker)}},
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{{
			EventName: "search.started", TimeUnixNano: now - uint64(time.Minute),
			Attributes: []*commonpb.KeyValue{strAttr("search.trigger", "toolbar_button"), strAttr("search.marketplace", "1688")},
		}}}},
	}}}
	b, err := proto.Marshal(pb)
	require.NoError(t, err)
	return b
}

// TestIdentifierChannelsClosed sends the planted channels through the shipped fanout config
// (file + backend with a persistent queue) while the backend is down, then brings it up:
// nothing planted is in the file, the backend's input, the queue directory, the logs or the
// metrics; client clocks are replaced by the time of receipt; and once the backend has
// acknowledged, the queued bytes do not stay readable in the queue directory.
func TestIdentifierChannelsClosed(t *testing.T) {
	bp := newPorts(t)
	backendDir := t.TempDir()

	edgeDir := runDir(t)
	ep := newPorts(t)
	edgeArgs := exampleArgs(t, "otelcol-fanout.yaml", ep)
	edgeEnv := append([]string{fmt.Sprintf("SBI_BACKEND_ENDPOINT=http://127.0.0.1:%d", bp.recv)}, exampleEnv...)
	from := time.Now()
	edge := startWith(t, "edge", edgeDir, edgeArgs, edgeEnv, ep.health)

	code, body := post(t, fmt.Sprintf("http://127.0.0.1:%d/v1/logs", ep.recv), "application/x-protobuf", plantedChannelsRequest(t), false)
	require.Equal(t, http.StatusOK, code, body)
	compact := `{"service_version":"3.2.1-plantedinstall7","events":[
	 {"name":"ui.interaction","time":"1970-01-01T00:00:07Z","attributes":{"ui.surface":"popup","ui.control":"mail.planted-host.example","ui.action":"click"}},
	 {"name":"settings.state","attributes":{"setting.planted_name_xyz":true,"setting.auto_search":false}}]}`
	code, body = post(t, fmt.Sprintf("http://127.0.0.1:%d/v1/events", ep.recv), "application/json", []byte(compact), false)
	require.Equal(t, http.StatusOK, code, body)

	// Backend down: the accepted batch waits in the persistent queue (the test can fail:
	// the marker is there now).
	queueDir := filepath.Join(edgeDir, "data", "queue")
	require.Eventually(t, func() bool { return dirContains(t, queueDir, queueMarker) },
		startTimeout, 100*time.Millisecond, "the queue never held the batch")

	backend := startSink(t, bp.recv, backendDir)
	received := filepath.Join(backendDir, "data", "received.jsonl")
	require.Eventually(t, func() bool { return len(records(t, readSoFar(t, received))) >= 5 },
		startTimeout, 100*time.Millisecond, "the backend did not receive the queued records")

	// Acknowledged: the shipped compaction settings rewrite the queue file within their
	// check_interval (10 s); allow three intervals.
	require.Eventually(t, func() bool { return !dirContains(t, queueDir, queueMarker) },
		30*time.Second, 500*time.Millisecond, "acknowledged data stayed readable in the queue directory")

	metrics := scrape(t, ep.metrics)
	to := time.Now()
	edgeLog := edge.stop(t)
	backend.stop(t)

	edgeFile := filepath.Join(edgeDir, "data", "events.jsonl")
	out := readOutput(t, edgeFile)
	assert.Equal(t, records(t, out), records(t, readOutput(t, received)), "the backend holds what the file holds")
	lines := canonicalAll(out)
	n := 0
	for _, l := range lines {
		for _, r := range l {
			assert.Equal(t, "sbi-extension", r.Attrs["service.name"], "service.name is the receiver's")
			if v, ok := r.Attrs["service.version"]; ok {
				assert.Equal(t, queueMarker, v, "only a bare extension version survives")
			}
			for _, s := range r.Scopes {
				for _, rec := range s.Records {
					n++
					if rec.Time == 0 {
						assert.Equal(t, "settings.state", rec.Event, "only the event sent without a time has none")
					}
					for _, ts := range []uint64{rec.Time, rec.Observed} {
						if ts == 0 && rec.Event == "settings.state" {
							continue
						}
						assert.GreaterOrEqual(t, ts, uint64(from.Add(-2*time.Minute).UnixNano()), "%s: a client clock survived", rec.Event)
						assert.LessOrEqual(t, ts, uint64(to.UnixNano()), "%s: a client clock survived", rec.Event)
					}
					switch rec.Event {
					case "ui.interaction":
						assert.Equal(t, map[string]any{"ui.surface": "popup", "ui.action": "click"}, rec.Attrs)
					case "settings.state":
						assert.NotContains(t, rec.Attrs, "setting.planted_name_xyz")
					}
				}
			}
		}
	}
	assert.Equal(t, 5, n, "every record of a named event is kept, minimized")

	for what, text := range map[string]string{
		"the edge file": string(mustRead(t, edgeFile)), "the backend's input": string(mustRead(t, received)),
		"the edge's log": edgeLog, "the edge's metrics": metrics,
		"the queue directory": dirText(t, queueDir),
	} {
		assertNoneLeaked(t, what, text, plantedChannels)
	}
}

func scrape(t *testing.T, port int) string {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// dirText is the content of every regular file under dir.
func dirText(t *testing.T, dir string) string {
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil && os.IsNotExist(err) {
			return nil // compaction renamed it away meanwhile
		}
		b.Write(data)
		return err
	})
	require.NoError(t, err)
	return b.String()
}

func dirContains(t *testing.T, dir, s string) bool {
	return strings.Contains(dirText(t, dir), s)
}
