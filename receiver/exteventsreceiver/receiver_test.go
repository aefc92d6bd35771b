// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver/internal/metadata"
	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver/internal/metadatatest"
)

// A value that must never show up in a response body or a log line.
const secret = "s3cr3t-do-not-echo"

type testEnv struct {
	rcv  *extEventsReceiver
	base string
	tel  *componenttest.Telemetry
	logs *observer.ObservedLogs
}

// startReceiver creates the receiver through its factory on a free port.
func startReceiver(t *testing.T, next consumer.Logs, mutate func(*Config)) *testEnv {
	t.Helper()
	return startReceiverWithHost(t, next, mutate, componenttest.NewNopHost())
}

func startReceiverWithHost(t *testing.T, next consumer.Logs, mutate func(*Config), host component.Host) *testEnv {
	t.Helper()
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.RateLimit.RequestsPerSecond = 0 // most tests are not about the rate limit
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())

	tel := componenttest.NewTelemetry()
	set := metadatatest.NewSettings(tel)
	core, logs := observer.New(zap.DebugLevel)
	set.Logger = zap.New(core)

	r, err := NewFactory().CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), host))
	t.Cleanup(func() {
		require.NoError(t, r.Shutdown(context.Background()))
		require.NoError(t, tel.Shutdown(context.Background()))
	})
	rcv := r.(*extEventsReceiver)
	return &testEnv{rcv: rcv, base: "http://" + rcv.addr.String(), tel: tel, logs: logs}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *testEnv) do(t *testing.T, method, path, contentType, encoding string, body []byte, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, e.base+path, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

const compactBody = `{"service_version":"3.2.1","events":[` +
	`{"name":"ui.interaction","time":"2026-11-28T10:00:00Z","attributes":{"ui.surface":"popup","ui.control":"search_button","ui.action":"click"}},` +
	`{"name":"settings.state","time":1764324000000,"attributes":{"setting.open_in_new_tab":true,"setting.count":3,"setting.ratio":0.5}}]}`

// assertCompactSink checks exactly what compactBody must produce.
func assertCompactSink(t *testing.T, sink *consumertest.LogsSink) {
	t.Helper()
	all := sink.AllLogs()
	require.Len(t, all, 1)
	ld := all[0]
	require.Equal(t, 1, ld.ResourceLogs().Len())
	rl := ld.ResourceLogs().At(0)
	assert.Equal(t, map[string]any{"service.name": "sbi-extension", "service.version": "3.2.1"}, rl.Resource().Attributes().AsRaw())
	require.Equal(t, 1, rl.ScopeLogs().Len())
	assert.Equal(t, metadata.ScopeName, rl.ScopeLogs().At(0).Scope().Name())
	recs := rl.ScopeLogs().At(0).LogRecords()
	require.Equal(t, 2, recs.Len())
	assert.Equal(t, "ui.interaction", recs.At(0).EventName())
	assert.Equal(t, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), recs.At(0).Timestamp().AsTime())
	assert.NotZero(t, recs.At(0).ObservedTimestamp())
	assert.Equal(t, map[string]any{"ui.surface": "popup", "ui.control": "search_button", "ui.action": "click"}, recs.At(0).Attributes().AsRaw())
	assert.Equal(t, "settings.state", recs.At(1).EventName())
	assert.Equal(t, time.UnixMilli(1764324000000).UTC(), recs.At(1).Timestamp().AsTime())
	assert.Equal(t, map[string]any{"setting.open_in_new_tab": true, "setting.count": int64(3), "setting.ratio": 0.5}, recs.At(1).Attributes().AsRaw())
	// Nothing about the client travels with the data.
	for _, ctx := range sink.Contexts() {
		info := client.FromContext(ctx)
		assert.Nil(t, info.Addr)
		assert.Nil(t, info.Auth)
		assert.Equal(t, 0, len(slicesOf(info.Metadata)))
	}
}

func slicesOf(md client.Metadata) []string {
	var keys []string
	for k := range md.Keys() {
		keys = append(keys, k)
	}
	return keys
}

func TestEventsEndpointAccepts(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		encoding    string
		body        []byte
	}{
		{"json", "application/json", "", []byte(compactBody)},
		{"json utf-8", "application/json; charset=utf-8", "", []byte(compactBody)},
		{"sendBeacon text/plain", "text/plain;charset=UTF-8", "", []byte(compactBody)},
		{"text/plain bare", "text/plain", "", []byte(compactBody)},
		{"gzip", "application/json", "gzip", gzipBytes(t, []byte(compactBody))},
		{"zstd", "text/plain", "zstd", zstdBytes(t, []byte(compactBody))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			env := startReceiver(t, sink, nil)
			resp := env.do(t, http.MethodPost, "/v1/events", tt.contentType, tt.encoding, tt.body)
			require.Equal(t, http.StatusOK, resp.status, string(resp.body))
			assert.JSONEq(t, `{"accepted":2}`, string(resp.body))
			assert.Equal(t, "application/json", resp.header.Get("Content-Type"))
			assertCompactSink(t, sink)
		})
	}
}

func TestEventsEndpointEmptyIsOKAndConsumesNothing(t *testing.T) {
	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, nil)
	resp := env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(`{"service_version":"1","events":[]}`))
	require.Equal(t, http.StatusOK, resp.status)
	assert.JSONEq(t, `{"accepted":0}`, string(resp.body))
	assert.Empty(t, sink.AllLogs())
}

func TestEventsEndpointRejectsMalformedWhole(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{
			name: "nested attribute value in the fourth event",
			body: `{"events":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d","attributes":{"` + secret + `":{"v":"` + secret + `"}}}]}`,
			want: `{"error":"events[3].attributes: value must be a string, number or boolean","field":"events[3].attributes","index":3}`,
		},
		{
			name: "unknown field",
			body: `{"events":[{"name":"a"}],"` + secret + `":"` + secret + `"}`,
			want: `{"error":"request: unknown field","field":"request"}`,
		},
		{
			name: "bad time",
			body: `{"events":[{"name":"a","time":"` + secret + `"}]}`,
			want: `{"error":"events[0].time: must be an RFC 3339 timestamp string or epoch milliseconds","field":"events[0].time","index":0}`,
		},
		{
			name: "duplicate attribute key",
			body: `{"events":[{"name":"a","attributes":{"` + secret + `":1,"` + secret + `":2}}]}`,
			want: `{"error":"events[0].attributes: duplicate key","field":"events[0].attributes","index":0}`,
		},
		{
			name: "not JSON",
			body: secret,
			want: `{"error":"request: must be an object","field":"request"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			env := startReceiver(t, sink, nil)
			resp := env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(tt.body))
			require.Equal(t, http.StatusBadRequest, resp.status)
			assert.JSONEq(t, tt.want, string(resp.body))
			assert.NotContains(t, string(resp.body), secret)
			assert.Empty(t, sink.AllLogs(), "nothing of a rejected request reaches the pipeline")
			assertNoSecretLogged(t, env)
		})
	}
}

func assertNoSecretLogged(t *testing.T, env *testEnv) {
	t.Helper()
	server := env.rcv.addr.String()
	for _, e := range env.logs.All() {
		assert.NotContains(t, e.Message, secret)
		for _, f := range e.Context {
			v := fmt.Sprint(f.Interface, f.String)
			assert.NotContains(t, v, secret)
			if f.Key == "endpoint" && strings.HasSuffix(v, server) {
				continue // the receiver's own bound address
			}
			assert.NotContains(t, v, "127.0.0.1", "no client address in logs")
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	env := startReceiver(t, consumertest.NewNop(), nil)
	for _, path := range []string{"/v1/events", "/v1/logs"} {
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			resp := env.do(t, m, path, "application/json", "", nil)
			assert.Equal(t, http.StatusMethodNotAllowed, resp.status, "%s %s", m, path)
			assert.Equal(t, "POST", resp.header.Get("Allow"))
		}
	}
	resp := env.do(t, http.MethodGet, "/v1/events", "", "", nil)
	assert.JSONEq(t, `{"error":"request: method not allowed, use POST","field":"request"}`, string(resp.body))
}

func TestUnsupportedMediaType(t *testing.T) {
	env := startReceiver(t, consumertest.NewNop(), nil)
	for _, ct := range []string{"", "application/xml", "application/x-www-form-urlencoded", "text/plain; charset=iso-8859-1", "application/x-protobuf", "multipart/form-data; boundary=x"} {
		resp := env.do(t, http.MethodPost, "/v1/events", ct, "", []byte(compactBody))
		assert.Equal(t, http.StatusUnsupportedMediaType, resp.status, "events %q", ct)
	}
	for _, ct := range []string{"", "text/plain", "application/xml"} {
		resp := env.do(t, http.MethodPost, "/v1/logs", ct, "", []byte(`{}`))
		assert.Equal(t, http.StatusUnsupportedMediaType, resp.status, "logs %q", ct)
	}
}

func TestUnsupportedContentEncoding(t *testing.T) {
	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, nil)
	resp := env.do(t, http.MethodPost, "/v1/events", "application/json", secret, []byte(compactBody))
	require.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, `{"error":"request: unsupported or invalid Content-Encoding","field":"request"}`, string(resp.body))

	resp = env.do(t, http.MethodPost, "/v1/logs", "application/json", secret, []byte(`{}`))
	require.Equal(t, http.StatusBadRequest, resp.status)
	st := decodeStatus(t, "application/json", resp.body)
	assert.Equal(t, "unsupported or invalid Content-Encoding", st.GetMessage())
	assert.NotContains(t, string(resp.body), secret)
	assert.Empty(t, sink.AllLogs())
}

func TestCorruptCompression(t *testing.T) {
	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, nil)
	gz := gzipBytes(t, []byte(compactBody))
	for name, body := range map[string][]byte{
		"bad header":     []byte("not gzip at all"),
		"bad mid-stream": append(append([]byte{}, gz[:20]...), bytes.Repeat([]byte{0xff}, 40)...),
	} {
		resp := env.do(t, http.MethodPost, "/v1/events", "application/json", "gzip", body)
		assert.Equal(t, http.StatusBadRequest, resp.status, name)
		resp = env.do(t, http.MethodPost, "/v1/logs", "application/x-protobuf", "gzip", body)
		assert.Equal(t, http.StatusBadRequest, resp.status, name)
	}
	assert.Empty(t, sink.AllLogs())
}

func TestTooLarge(t *testing.T) {
	big := []byte(`{"events":[{"name":"a","attributes":{"k":"` + strings.Repeat("x", 3000) + `"}}]}`)
	tests := []struct {
		name     string
		path     string
		ct       string
		encoding string
		body     []byte
		mutate   func(*Config)
	}{
		{"events wire", "/v1/events", "application/json", "", big, func(c *Config) { c.MaxRequestBodySize = 1024 }},
		{"events decompressed", "/v1/events", "application/json", "gzip", gzipBytes(t, big), func(c *Config) { c.MaxRequestBodySize = 4096; c.Limits.MaxDecompressedSize = 1024 }},
		{"logs wire", "/v1/logs", "application/json", "", big, func(c *Config) { c.MaxRequestBodySize = 1024 }},
		{"logs decompressed zstd", "/v1/logs", "application/x-protobuf", "zstd", zstdBytes(t, big), func(c *Config) { c.MaxRequestBodySize = 4096; c.Limits.MaxDecompressedSize = 1024 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			env := startReceiver(t, sink, tt.mutate)
			require.Less(t, len(tt.body), int(env.rcv.cfg.MaxRequestBodySize)+len(big))
			resp := env.do(t, http.MethodPost, tt.path, tt.ct, tt.encoding, tt.body)
			require.Equal(t, http.StatusRequestEntityTooLarge, resp.status, string(resp.body))
			assert.Empty(t, sink.AllLogs())
		})
	}
}

// Compression bombs: 64 MiB of zeros that compress to a few KiB. The receiver
// must stop at its decompressed bound (1 MiB) with 413 instead of inflating it all.
func TestCompressionBomb(t *testing.T) {
	const inflated = 64 << 20
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	require.NoError(t, err)
	zeros := make([]byte, 1<<20)
	for i := 0; i < inflated/len(zeros); i++ {
		_, err = zw.Write(zeros)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	var zs bytes.Buffer
	enc, err := zstd.NewWriter(&zs)
	require.NoError(t, err)
	for i := 0; i < inflated/len(zeros); i++ {
		_, err = enc.Write(zeros)
		require.NoError(t, err)
	}
	require.NoError(t, enc.Close())
	zeros = nil
	bombs := map[string][]byte{"gzip": gz.Bytes(), "zstd": zs.Bytes()}

	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, nil)
	for encoding, bomb := range bombs {
		require.Less(t, int64(len(bomb)), env.rcv.cfg.MaxRequestBodySize, "the %s bomb passes the wire limit", encoding)
		for _, path := range []string{"/v1/events", "/v1/logs"} {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			resp := env.do(t, http.MethodPost, path, "application/json", encoding, bomb)
			runtime.ReadMemStats(&after)
			require.Equal(t, http.StatusRequestEntityTooLarge, resp.status, "%s %s", encoding, path)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s bomb (%d B on the wire) on %s: 413 after allocating %d B", encoding, len(bomb), path, allocated)
			// Reading up to the 1 MiB bound costs a few MiB at most (buffer
			// growth, decoder state); inflating the bomb would allocate >= 64 MiB.
			assert.Less(t, allocated, uint64(24<<20), "%s %s allocated %d bytes", encoding, path, allocated)
		}
	}
	assert.Empty(t, sink.AllLogs())
}

func TestRateLimited(t *testing.T) {
	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, func(c *Config) {
		c.RateLimit = RateLimitConfig{RequestsPerSecond: 0.01, Burst: 2, MaxClients: 10}
	})
	for i := 0; i < 2; i++ {
		resp := env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(compactBody))
		require.Equal(t, http.StatusOK, resp.status)
	}
	resp := env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(compactBody))
	require.Equal(t, http.StatusTooManyRequests, resp.status)
	assert.JSONEq(t, `{"error":"request: rate limit exceeded, retry later","field":"request"}`, string(resp.body))
	ra := resp.header.Get("Retry-After")
	require.NotEmpty(t, ra)
	var secs int
	_, err := fmt.Sscan(ra, &secs)
	require.NoError(t, err)
	assert.Greater(t, secs, 1, "at 0.01 req/s the next token is ~100 s away")
	assert.LessOrEqual(t, secs, 100)

	// The bucket is per client, shared by both endpoints.
	resp = env.do(t, http.MethodPost, "/v1/logs", "application/x-protobuf", "", otlpProto(t, sampleLogs()))
	require.Equal(t, http.StatusTooManyRequests, resp.status)
	assert.NotEmpty(t, resp.header.Get("Retry-After"))
	st := decodeStatus(t, "application/x-protobuf", resp.body)
	assert.Equal(t, int32(codes.ResourceExhausted), st.GetCode())

	assert.Equal(t, 4, sink.LogRecordCount(), "only the two admitted requests reached the pipeline")
	assert.Equal(t, 1, env.rcv.limiter.size())
}

func TestPipelineRefusal(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantRetry  bool
	}{
		{"transient error", errors.New("downstream unavailable"), http.StatusServiceUnavailable, true},
		{"memory limiter style refusal", errors.New("data refused due to high memory usage"), http.StatusServiceUnavailable, true},
		{"permanent error", consumererror.NewPermanent(errors.New("bad data " + secret)), http.StatusBadRequest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startReceiver(t, consumertest.NewErr(tt.err), func(c *Config) { c.RetryAfter = 7 * time.Second })

			resp := env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(compactBody))
			require.Equal(t, tt.wantStatus, resp.status)
			assert.NotContains(t, string(resp.body), secret)
			if tt.wantRetry {
				assert.Equal(t, "7", resp.header.Get("Retry-After"))
				assert.JSONEq(t, `{"error":"request: pipeline is busy, retry later","field":"request"}`, string(resp.body))
			} else {
				assert.Empty(t, resp.header.Get("Retry-After"))
			}

			for _, ct := range []string{"application/x-protobuf", "application/json"} {
				body := otlpProto(t, sampleLogs())
				if ct == "application/json" {
					body = otlpJSON(t, sampleLogs())
				}
				resp = env.do(t, http.MethodPost, "/v1/logs", ct, "", body)
				require.Equal(t, tt.wantStatus, resp.status)
				st := decodeStatus(t, ct, resp.body)
				assert.NotContains(t, st.GetMessage(), secret)
				if tt.wantRetry {
					assert.Equal(t, "7", resp.header.Get("Retry-After"))
					assert.Equal(t, int32(codes.Unavailable), st.GetCode())
				} else {
					assert.Empty(t, resp.header.Get("Retry-After"))
					assert.Equal(t, int32(codes.InvalidArgument), st.GetCode())
				}
			}
			assertNoSecretLogged(t, env)
		})
	}
}

// The response is sent only after the next consumer returned.
func TestAcknowledgesAfterConsumer(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	sink := new(consumertest.LogsSink)
	blocking, err := consumer.NewLogs(func(ctx context.Context, ld plog.Logs) error {
		entered <- struct{}{}
		<-release
		return sink.ConsumeLogs(ctx, ld)
	})
	require.NoError(t, err)
	env := startReceiver(t, blocking, nil)

	done := make(chan response, 1)
	go func() {
		done <- env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(compactBody))
	}()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("consumer never called")
	}
	select {
	case <-done:
		t.Fatal("responded before the consumer returned")
	default:
	}
	close(release)
	resp := <-done
	require.Equal(t, http.StatusOK, resp.status)
	assert.Equal(t, 2, sink.LogRecordCount())
}

func TestCORS(t *testing.T) {
	const origin = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
	env := startReceiver(t, consumertest.NewNop(), func(c *Config) {
		c.CORS = configoptional.Some(confighttp.CORSConfig{AllowedOrigins: []string{"chrome-extension://*"}, MaxAge: 600})
	})
	for _, path := range []string{"/v1/events", "/v1/logs"} {
		resp := env.do(t, http.MethodOptions, path, "", "", nil,
			"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
		require.Equal(t, http.StatusNoContent, resp.status, path)
		assert.Equal(t, origin, resp.header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, resp.header.Get("Access-Control-Allow-Methods"), "POST")
		assert.Equal(t, "600", resp.header.Get("Access-Control-Max-Age"))

		// A web page is not an allowed origin.
		resp = env.do(t, http.MethodOptions, path, "", "", nil,
			"Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
		assert.Empty(t, resp.header.Get("Access-Control-Allow-Origin"))
	}
	// The actual request carries the CORS answer too.
	resp := env.do(t, http.MethodPost, "/v1/events", "text/plain;charset=UTF-8", "", []byte(compactBody), "Origin", origin)
	require.Equal(t, http.StatusOK, resp.status)
	assert.Equal(t, origin, resp.header.Get("Access-Control-Allow-Origin"))
}

// The preflight of a JSON fetch() from an allowed extension origin is
// answered; the browser then sends the request.
func TestCORSPreflight(t *testing.T) {
	const origin = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
	env := startReceiver(t, consumertest.NewNop(), func(c *Config) {
		c.CORS = configoptional.Some(confighttp.CORSConfig{AllowedOrigins: []string{origin}})
	})
	for _, path := range []string{"/v1/events", "/v1/logs"} {
		resp := env.do(t, http.MethodOptions, path, "", "", nil,
			"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
		require.Equal(t, http.StatusNoContent, resp.status, path)
		assert.Equal(t, origin, resp.header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "POST", resp.header.Get("Access-Control-Allow-Methods"))
		assert.Equal(t, "content-type", resp.header.Get("Access-Control-Allow-Headers"))

		// Another extension is not this one.
		resp = env.do(t, http.MethodOptions, path, "", "", nil,
			"Origin", "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba", "Access-Control-Request-Method", "POST")
		assert.Empty(t, resp.header.Get("Access-Control-Allow-Origin"))
	}
}

// A cross-origin client can read Retry-After on a 429 and a 503: the
// receiver exposes it (Access-Control-Expose-Headers), keeping what the
// config exposes already. Other origins get neither header.
func TestCORSExposesRetryAfter(t *testing.T) {
	const origin = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
	cors := func(c *Config) {
		c.CORS = configoptional.Some(confighttp.CORSConfig{AllowedOrigins: []string{origin}, ExposedHeaders: []string{"X-Kept"}})
	}
	exposed := func(h http.Header) []string {
		var out []string
		for _, v := range h.Values("Access-Control-Expose-Headers") {
			for _, f := range strings.Split(v, ",") {
				out = append(out, http.CanonicalHeaderKey(strings.TrimSpace(f)))
			}
		}
		return out
	}

	t.Run("429", func(t *testing.T) {
		env := startReceiver(t, consumertest.NewNop(), func(c *Config) {
			cors(c)
			c.RateLimit = RateLimitConfig{RequestsPerSecond: 0.01, Burst: 1, MaxClients: 10}
		})
		require.Equal(t, http.StatusOK, env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(compactBody), "Origin", origin).status)
		for _, path := range []string{"/v1/events", "/v1/logs"} {
			resp := env.do(t, http.MethodPost, path, "application/json", "", []byte(compactBody), "Origin", origin)
			require.Equal(t, http.StatusTooManyRequests, resp.status)
			assert.Equal(t, origin, resp.header.Get("Access-Control-Allow-Origin"))
			assert.NotEmpty(t, resp.header.Get("Retry-After"))
			assert.ElementsMatch(t, []string{"Retry-After", "X-Kept"}, exposed(resp.header))

			resp = env.do(t, http.MethodPost, path, "application/json", "", []byte(compactBody), "Origin", "https://evil.example")
			require.Equal(t, http.StatusTooManyRequests, resp.status)
			assert.Empty(t, resp.header.Get("Access-Control-Allow-Origin"))
			assert.Empty(t, exposed(resp.header))
		}
	})
	t.Run("503", func(t *testing.T) {
		env := startReceiver(t, consumertest.NewErr(errors.New("busy")), cors)
		resp := env.do(t, http.MethodPost, "/v1/events", "text/plain", "", []byte(compactBody), "Origin", origin)
		require.Equal(t, http.StatusServiceUnavailable, resp.status)
		assert.Equal(t, origin, resp.header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "5", resp.header.Get("Retry-After"))
		assert.ElementsMatch(t, []string{"Retry-After", "X-Kept"}, exposed(resp.header))
	})
}

// Exposing Retry-After does not change the receiver's config.
func TestServerConfigDoesNotMutateConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.False(t, cfg.serverConfig().CORS.HasValue(), "no CORS section: CORS stays off")
	cfg.CORS = configoptional.Some(confighttp.CORSConfig{AllowedOrigins: []string{"chrome-extension://x"}, ExposedHeaders: make([]string, 1, 4)})
	cfg.CORS.Get().ExposedHeaders[0] = "X-Kept"
	sc := cfg.serverConfig()
	assert.Equal(t, []string{"X-Kept", "Retry-After"}, sc.CORS.Get().ExposedHeaders)
	assert.Equal(t, []string{"X-Kept"}, cfg.CORS.Get().ExposedHeaders)
	assert.Empty(t, cfg.CORS.Get().ExposedHeaders[:2][1], "the config's spare capacity is not written to")
	cfg.CORS.Get().ExposedHeaders = []string{"retry-after"}
	assert.Equal(t, []string{"retry-after"}, cfg.serverConfig().CORS.Get().ExposedHeaders, "already exposed")
}

func sampleLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "sbi-extension")
	rl.Resource().Attributes().PutStr("service.version", "3.2.1")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("sbi-extension-ui")
	lr := sl.LogRecords().AppendEmpty()
	lr.SetEventName("ui.interaction")
	lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)))
	lr.Attributes().PutStr("ui.surface", "popup")
	lr.Attributes().PutStr("ui.action", "click")
	old := sl.LogRecords().AppendEmpty()
	old.Attributes().PutStr("event.name", "settings.state")
	old.Attributes().PutBool("setting.open_in_new_tab", true)
	return ld
}

func otlpProto(t testing.TB, ld plog.Logs) []byte {
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	require.NoError(t, err)
	return b
}

func otlpJSON(t testing.TB, ld plog.Logs) []byte {
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
	require.NoError(t, err)
	return b
}

func decodeStatus(t *testing.T, ct string, body []byte) *spb.Status {
	t.Helper()
	st := &spb.Status{}
	if ct == "application/x-protobuf" {
		require.NoError(t, proto.Unmarshal(body, st))
	} else {
		require.NoError(t, protojson.Unmarshal(body, st), string(body))
	}
	return st
}

func decodeExportResponse(t *testing.T, ct string, body []byte) plogotlp.ExportResponse {
	t.Helper()
	resp := plogotlp.NewExportResponse()
	if ct == "application/x-protobuf" {
		require.NoError(t, resp.UnmarshalProto(body))
	} else {
		require.NoError(t, resp.UnmarshalJSON(body))
	}
	return resp
}

// assertSampleSink checks what sampleLogs must become: event.name normalized.
func assertSampleSink(t *testing.T, sink *consumertest.LogsSink) {
	t.Helper()
	require.Len(t, sink.AllLogs(), 1)
	ld := sink.AllLogs()[0]
	require.Equal(t, 1, ld.ResourceLogs().Len())
	rl := ld.ResourceLogs().At(0)
	assert.Equal(t, map[string]any{"service.name": "sbi-extension", "service.version": "3.2.1"}, rl.Resource().Attributes().AsRaw())
	recs := rl.ScopeLogs().At(0).LogRecords()
	require.Equal(t, 2, recs.Len())
	assert.Equal(t, "ui.interaction", recs.At(0).EventName())
	assert.Equal(t, map[string]any{"ui.surface": "popup", "ui.action": "click"}, recs.At(0).Attributes().AsRaw())
	assert.Equal(t, "settings.state", recs.At(1).EventName(), "event.name attribute moved into EventName")
	assert.Equal(t, map[string]any{"setting.open_in_new_tab": true}, recs.At(1).Attributes().AsRaw())
}

func TestLogsEndpointAccepts(t *testing.T) {
	tests := []struct {
		name     string
		ct       string
		encoding string
		body     func(t *testing.T) []byte
	}{
		{"protobuf", "application/x-protobuf", "", func(t *testing.T) []byte { return otlpProto(t, sampleLogs()) }},
		{"json", "application/json", "", func(t *testing.T) []byte { return otlpJSON(t, sampleLogs()) }},
		{"protobuf gzip", "application/x-protobuf", "gzip", func(t *testing.T) []byte { return gzipBytes(t, otlpProto(t, sampleLogs())) }},
		{"json zstd", "application/json", "zstd", func(t *testing.T) []byte { return zstdBytes(t, otlpJSON(t, sampleLogs())) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			env := startReceiver(t, sink, nil)
			resp := env.do(t, http.MethodPost, "/v1/logs", tt.ct, tt.encoding, tt.body(t))
			require.Equal(t, http.StatusOK, resp.status, string(resp.body))
			assert.Equal(t, tt.ct, resp.header.Get("Content-Type"))
			er := decodeExportResponse(t, tt.ct, resp.body)
			assert.Equal(t, int64(0), er.PartialSuccess().RejectedLogRecords())
			assertSampleSink(t, sink)
			assertCompactContextsClean(t, sink)
		})
	}
}

func assertCompactContextsClean(t *testing.T, sink *consumertest.LogsSink) {
	for _, ctx := range sink.Contexts() {
		assert.Nil(t, client.FromContext(ctx).Addr, "client address must not reach the pipeline")
	}
}

func TestLogsEndpointPartialSuccess(t *testing.T) {
	ld := sampleLogs()
	sl := ld.ResourceLogs().At(0).ScopeLogs().At(0)
	tooMany := sl.LogRecords().AppendEmpty()
	tooMany.SetEventName("ui.interaction")
	for i := 0; i < 5; i++ {
		tooMany.Attributes().PutInt(fmt.Sprintf("a%d", i), int64(i))
	}
	longVal := sl.LogRecords().AppendEmpty()
	longVal.SetEventName("ui.interaction")
	longVal.Attributes().PutStr("k", strings.Repeat("v", 100))
	longKey := sl.LogRecords().AppendEmpty()
	longKey.SetEventName("ui.interaction")
	longKey.Attributes().PutStr(strings.Repeat("k", 100), "v")
	nested := sl.LogRecords().AppendEmpty()
	nested.SetEventName("ui.interaction")
	nested.Attributes().PutEmptyMap("m").PutStr("k", strings.Repeat("v", 100))
	longBytes := sl.LogRecords().AppendEmpty()
	longBytes.SetEventName("ui.interaction")
	longBytes.Attributes().PutEmptyBytes("b").FromRaw(bytes.Repeat([]byte{1}, 100))
	deep := sl.LogRecords().AppendEmpty()
	deep.SetEventName("ui.interaction")
	v := deep.Attributes().PutEmptySlice("s")
	for i := 0; i < 6; i++ {
		v = v.AppendEmpty().SetEmptySlice()
	}
	wide := sl.LogRecords().AppendEmpty()
	wide.SetEventName("ui.interaction")
	ws := wide.Attributes().PutEmptySlice("s")
	for i := 0; i < 5; i++ {
		ws.AppendEmpty().SetInt(int64(i))
	}
	// Within limits: a small slice and a small map are fine.
	okNested := sl.LogRecords().AppendEmpty()
	okNested.SetEventName("ui.interaction")
	okNested.Attributes().PutEmptySlice("s").AppendEmpty().SetStr("x")
	okNested.Attributes().PutEmptyMap("m").PutBool("k", true)
	// A whole second resource whose only record is rejected must disappear.
	rl2 := ld.ResourceLogs().AppendEmpty()
	bad := rl2.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	bad.SetEventName(strings.Repeat("n", 100))

	for _, ct := range []string{"application/x-protobuf", "application/json"} {
		t.Run(ct, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			env := startReceiver(t, sink, func(c *Config) {
				c.Limits.MaxAttributesPerEvent = 4
				c.Limits.MaxKeyLength = 32
				c.Limits.MaxValueLength = 64
			})
			body := otlpProto(t, ld)
			if ct == "application/json" {
				body = otlpJSON(t, ld)
			}
			resp := env.do(t, http.MethodPost, "/v1/logs", ct, "", body)
			require.Equal(t, http.StatusOK, resp.status)
			er := decodeExportResponse(t, ct, resp.body)
			assert.Equal(t, int64(8), er.PartialSuccess().RejectedLogRecords())
			assert.Contains(t, er.PartialSuccess().ErrorMessage(), "8 log records exceeded")
			require.Len(t, sink.AllLogs(), 1)
			recs := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			require.Equal(t, 1, sink.AllLogs()[0].ResourceLogs().Len(), "the emptied resource is pruned")
			require.Equal(t, 3, recs.Len())
			assert.Equal(t, "settings.state", recs.At(1).EventName())
			assert.Equal(t, map[string]any{"s": []any{"x"}, "m": map[string]any{"k": true}}, recs.At(2).Attributes().AsRaw())
		})
	}
}

func TestLogsEndpointMaxEvents(t *testing.T) {
	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, func(c *Config) { c.Limits.MaxEventsPerRequest = 1 })
	resp := env.do(t, http.MethodPost, "/v1/logs", "application/x-protobuf", "", otlpProto(t, sampleLogs()))
	require.Equal(t, http.StatusOK, resp.status)
	er := decodeExportResponse(t, "application/x-protobuf", resp.body)
	assert.Equal(t, int64(1), er.PartialSuccess().RejectedLogRecords())
	require.Equal(t, 1, sink.LogRecordCount())
	assert.Equal(t, "ui.interaction", sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).EventName())
}

func TestLogsEndpointAllRejectedConsumesNothing(t *testing.T) {
	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, func(c *Config) { c.Limits.MaxAttributesPerEvent = 1 })
	resp := env.do(t, http.MethodPost, "/v1/logs", "application/json", "", otlpJSON(t, sampleLogs()))
	require.Equal(t, http.StatusOK, resp.status)
	er := decodeExportResponse(t, "application/json", resp.body)
	assert.Equal(t, int64(1), er.PartialSuccess().RejectedLogRecords())
	assert.Equal(t, 1, sink.LogRecordCount(), "the record with one attribute (after normalization) passes")
}

func TestLogsEndpointBadPayload(t *testing.T) {
	for _, ct := range []string{"application/x-protobuf", "application/json"} {
		t.Run(ct, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			env := startReceiver(t, sink, nil)
			resp := env.do(t, http.MethodPost, "/v1/logs", ct, "", []byte("\xff\xff\xff{"+secret))
			require.Equal(t, http.StatusBadRequest, resp.status)
			assert.Equal(t, ct, resp.header.Get("Content-Type"))
			st := decodeStatus(t, ct, resp.body)
			assert.Equal(t, int32(codes.InvalidArgument), st.GetCode())
			assert.Contains(t, st.GetMessage(), "invalid OTLP")
			assert.NotContains(t, string(resp.body), secret)
			assert.Empty(t, sink.AllLogs())
			assertNoSecretLogged(t, env)
		})
	}
}

func TestTelemetry(t *testing.T) {
	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, nil)
	env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(compactBody))
	env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(`{"events":[{"name":1}]}`))
	env.do(t, http.MethodPost, "/v1/events", "application/xml", "", []byte(compactBody))
	env.do(t, http.MethodGet, "/v1/logs", "", "", nil)
	env.do(t, http.MethodPost, "/v1/logs", "application/x-protobuf", "", otlpProto(t, sampleLogs()))

	set := func(kv ...string) attribute.Set {
		var attrs []attribute.KeyValue
		for i := 0; i < len(kv); i += 2 {
			attrs = append(attrs, attribute.String(kv[i], kv[i+1]))
		}
		return attribute.NewSet(attrs...)
	}
	metadatatest.AssertEqualReceiverExteventsRequests(t, env.tel, []metricdata.DataPoint[int64]{
		{Attributes: set("endpoint", "events", "outcome", "ok"), Value: 1},
		{Attributes: set("endpoint", "events", "outcome", "bad_request"), Value: 1},
		{Attributes: set("endpoint", "events", "outcome", "unsupported_media_type"), Value: 1},
		{Attributes: set("endpoint", "logs", "outcome", "method_not_allowed"), Value: 1},
		{Attributes: set("endpoint", "logs", "outcome", "ok"), Value: 1},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualReceiverExteventsEventsAccepted(t, env.tel, []metricdata.DataPoint[int64]{
		{Attributes: set("endpoint", "events"), Value: 2},
		{Attributes: set("endpoint", "logs"), Value: 2},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())

	// The standard receiver metrics come from receiverhelper.ObsReport.
	m, err := env.tel.GetMetric("otelcol_receiver_accepted_log_records")
	require.NoError(t, err)
	var total int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		total += dp.Value
	}
	assert.Equal(t, int64(4), total)

	// No telemetry attribute carries anything about a client.
	for _, name := range []string{"otelcol_receiver_extevents_requests", "otelcol_receiver_accepted_log_records"} {
		m, err := env.tel.GetMetric(name)
		require.NoError(t, err)
		for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
			for _, kv := range dp.Attributes.ToSlice() {
				assert.NotContains(t, kv.Value.String(), "127.0.0.1")
			}
		}
	}
}

func TestShutdownWithoutStart(t *testing.T) {
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), createDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, r.Shutdown(context.Background()))
}

func TestStartFailsOnBusyPort(t *testing.T) {
	env := startReceiver(t, consumertest.NewNop(), nil)
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = env.rcv.addr.String()
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.Error(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, r.Shutdown(context.Background()))
}

var _ = json.Valid

// Request bodies are recycled: what reached the pipeline from one request
// must not change when the next request reuses its buffer.
func TestBodyBufferReuseKeepsDeliveredData(t *testing.T) {
	logsWith := func(v string) plog.Logs {
		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetEventName("ui.interaction")
		lr.Attributes().PutStr("ui.control", v)
		lr.Attributes().PutEmptyBytes("blob").FromRaw([]byte(v))
		return ld
	}
	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, nil)
	values := []string{"aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"}
	for _, v := range values {
		require.Equal(t, http.StatusOK, env.do(t, http.MethodPost, "/v1/logs", "application/x-protobuf", "", otlpProto(t, logsWith(v))).status)
		compact := `{"events":[{"name":"ui.interaction","attributes":{"ui.control":"` + v + `"}}]}`
		require.Equal(t, http.StatusOK, env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(compact)).status)
	}
	all := sink.AllLogs()
	require.Len(t, all, 2*len(values))
	for i, v := range values {
		for _, ld := range all[2*i : 2*i+2] {
			attrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
			got, _ := attrs.Get("ui.control")
			assert.Equal(t, v, got.Str())
			if blob, ok := attrs.Get("blob"); ok {
				assert.Equal(t, []byte(v), blob.Bytes().AsRaw())
			}
		}
	}
}
