package micro

// The extevents receiver against upstream otlpreceiver v0.165.0, in process,
// over loopback HTTP with keep-alive, both feeding consumertest.NewNop(): the
// same 50 realistic extension events as compact JSON (/v1/events) and as OTLP
// JSON / protobuf (/v1/logs). Figures and method: docs/benchmarks.md, section
// "Receiver". The decode-only comparison (no HTTP) is
// BenchmarkDecodeAndMap in receiver/exteventsreceiver.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"
)

const receiverBenchEvents = 50

// receiverBenchPayloads is testworkload's request of receiverBenchEvents
// events (UI interactions, settings snapshots and searches with a URL) as
// compact JSON, OTLP JSON and OTLP protobuf: the payload of the receiver's
// own benchmarks too.
func receiverBenchPayloads(tb testing.TB) (compact, otlpJSON, otlpProto []byte) {
	compact, otlpJSON, otlpProto, err := testworkload.Payloads(receiverBenchEvents)
	require.NoError(tb, err)
	return compact, otlpJSON, otlpProto
}

// freeAddr reserves a loopback port; the receivers do not expose the port they bound.
func freeAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	addr := ln.Addr().String()
	require.NoError(tb, ln.Close())
	return addr
}

func startBenchReceiver(b *testing.B, f receiver.Factory, conf map[string]any) {
	cfg := f.CreateDefaultConfig()
	require.NoError(b, confmap.NewFromStringMap(conf).Unmarshal(cfg))
	r, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
	require.NoError(b, err)
	require.NoError(b, r.Start(context.Background(), componenttest.NewNopHost()))
	b.Cleanup(func() { require.NoError(b, r.Shutdown(context.Background())) })
}

func postLoop(b *testing.B, url, contentType string, body []byte) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	post := func() error {
		resp, err := client.Post(url, contentType, bytes.NewReader(body))
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	// The server starts asynchronously: wait until it answers.
	require.Eventually(b, func() bool { return post() == nil }, 30*time.Second, 20*time.Millisecond)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := post(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*receiverBenchEvents)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReceiverHTTP: POST one 50-event request per op, answer read.
func BenchmarkReceiverHTTP(b *testing.B) {
	compact, otlpJSON, otlpProto := receiverBenchPayloads(b)

	b.Run("extevents/compact_json", func(b *testing.B) {
		addr := freeAddr(b)
		startBenchReceiver(b, exteventsreceiver.NewFactory(), map[string]any{
			"endpoint": addr, "rate_limit": map[string]any{"requests_per_second": 0}})
		postLoop(b, "http://"+addr+"/v1/events", "text/plain;charset=UTF-8", compact)
	})
	for _, tc := range []struct {
		name, ct string
		body     []byte
	}{{"otlp_json", "application/json", otlpJSON}, {"otlp_proto", "application/x-protobuf", otlpProto}} {
		b.Run("extevents/"+tc.name, func(b *testing.B) {
			addr := freeAddr(b)
			startBenchReceiver(b, exteventsreceiver.NewFactory(), map[string]any{
				"endpoint": addr, "rate_limit": map[string]any{"requests_per_second": 0}})
			postLoop(b, "http://"+addr+"/v1/logs", tc.ct, tc.body)
		})
		b.Run("otlpreceiver/"+tc.name, func(b *testing.B) {
			addr := freeAddr(b)
			startBenchReceiver(b, otlpreceiver.NewFactory(), map[string]any{
				"protocols": map[string]any{"http": map[string]any{"endpoint": addr}}})
			postLoop(b, "http://"+addr+"/v1/logs", tc.ct, tc.body)
		})
	}
}

var _ component.Config = (*exteventsreceiver.Config)(nil)
