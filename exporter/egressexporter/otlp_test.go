package egressexporter

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testcert"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/bearertokenauthextension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/metadatatest"
	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// backend is an OTLP logs server (HTTP and/or gRPC) that records what it got.
type backend struct {
	mu      sync.Mutex
	batches []plog.Logs
	headers []http.Header
	md      []metadata.MD
}

func (b *backend) records() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, ld := range b.batches {
		out = append(out, recordKeys(ld)...)
	}
	return out
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/logs" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, "bad gzip", http.StatusBadRequest)
			return
		}
		body = zr
	}
	data, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(data); err != nil {
		http.Error(w, "decode", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	b.batches = append(b.batches, req.Logs())
	b.headers = append(b.headers, r.Header.Clone())
	b.mu.Unlock()
	resp, _ := plogotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

type grpcBackend struct {
	plogotlp.UnimplementedGRPCServer
	*backend
}

func (g *grpcBackend) Export(ctx context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	g.mu.Lock()
	g.batches = append(g.batches, req.Logs())
	g.md = append(g.md, md)
	g.mu.Unlock()
	return plogotlp.NewExportResponse(), nil
}

// testCA writes a CA certificate to dir and returns a server certificate for
// 127.0.0.1 signed by it.
func testCA(t *testing.T, dir string) (caFile string, serverCert tls.Certificate) {
	f := testcert.Write(t, dir)
	return f.CAFile, f.Server
}

func otlpConfig(protocol, endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	oc := cfg.OTLP.GetOrInsertDefault()
	oc.Protocol = protocol
	if protocol == protocolGRPC {
		oc.GRPC.Endpoint = endpoint
	} else {
		oc.HTTP.Endpoint = endpoint
	}
	cfg.RetryConfig.InitialInterval = 10 * time.Millisecond
	cfg.RetryConfig.MaxInterval = 100 * time.Millisecond
	return cfg
}

func TestOTLPHTTPWithTLSAndHeaders(t *testing.T) {
	dir := t.TempDir()
	caFile, cert := testCA(t, dir)
	be := &backend{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: be, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })

	cfg := otlpConfig(protocolHTTP, "https://"+l.Addr().String())
	oc := cfg.OTLP.Get()
	oc.HTTP.TLS.CAFile = caFile
	oc.HTTP.Headers.Set("x-api-key", configopaque.String("s3cret"))
	require.NoError(t, cfg.Validate())

	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tt), cfg)
	require.NoError(t, err)
	mustStart(t, exp, componenttest.NewNopHost())

	var want []string
	for i := range 5 {
		ld := minimizedBatch(t, i, 20)
		want = append(want, recordKeys(ld)...)
		require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	}
	// The guard keeps raw input away from the backend.
	require.NoError(t, exp.ConsumeLogs(context.Background(), rawBatch(50, 20)))
	require.Eventually(t, func() bool { return len(be.records()) >= len(want) }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, exp.Shutdown(context.Background()))

	assert.ElementsMatch(t, want, be.records())
	metadatatest.AssertEqualEgressRecordsExported(t, tt,
		[]metricdata.DataPoint[int64]{{Value: int64(len(want))}}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	metadatatest.AssertEqualEgressRecordsDropped(t, tt,
		[]metricdata.DataPoint[int64]{droppedPoint(policy.ViolationPolicy, 20)}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	be.mu.Lock()
	defer be.mu.Unlock()
	for i, h := range be.headers {
		assert.Equal(t, "s3cret", h.Get("x-api-key"))
		assert.Equal(t, "application/x-protobuf", h.Get("Content-Type"))
		j, err := (&plog.JSONMarshaler{}).MarshalLogs(be.batches[i])
		require.NoError(t, err)
		assert.NotContains(t, string(j), secretMarker)
	}
}

func TestOTLPHTTPRejectsUnknownCA(t *testing.T) {
	dir := t.TempDir()
	_, cert := testCA(t, dir)
	otherCA, _ := testCA(t, t.TempDir())
	be := &backend{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: be, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })

	cfg := otlpConfig(protocolHTTP, "https://"+l.Addr().String())
	cfg.OTLP.Get().HTTP.TLS.CAFile = otherCA
	cfg.QueueConfig.Get().WaitForResult = true
	cfg.RetryConfig.Enabled = false
	exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
	require.NoError(t, err)
	mustStart(t, exp, componenttest.NewNopHost())
	err = exp.ConsumeLogs(context.Background(), minimizedBatch(t, 0, 3))
	require.Error(t, err, "a certificate from another CA is refused")
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Empty(t, be.records())
}

func TestOTLPGRPCWithTLSAndHeaders(t *testing.T) {
	caFile, cert := testCA(t, t.TempDir())
	be := &backend{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gs := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})))
	plogotlp.RegisterGRPCServer(gs, &grpcBackend{backend: be})
	go func() { _ = gs.Serve(l) }()
	t.Cleanup(gs.Stop)

	cfg := otlpConfig(protocolGRPC, l.Addr().String())
	oc := cfg.OTLP.Get()
	oc.GRPC.TLS.CAFile = caFile
	oc.GRPC.Headers.Set("x-api-key", configopaque.String("s3cret"))
	require.NoError(t, cfg.Validate())
	exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
	require.NoError(t, err)
	mustStart(t, exp, componenttest.NewNopHost())
	ld := minimizedBatch(t, 7, 15)
	want := recordKeys(ld)
	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	require.Eventually(t, func() bool { return len(be.records()) >= len(want) }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.ElementsMatch(t, want, be.records())
	be.mu.Lock()
	defer be.mu.Unlock()
	require.NotEmpty(t, be.md)
	assert.Equal(t, []string{"s3cret"}, be.md[0].Get("x-api-key"))
}

// storageHost starts a file_storage extension over dir, as a collector would.
func storageHost(t *testing.T, dir string) (component.Host, extension.Extension) {
	t.Helper()
	f := filestorage.NewFactory()
	scfg := f.CreateDefaultConfig().(*filestorage.Config)
	scfg.Directory = dir
	scfg.Compaction.Directory = dir
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), scfg)
	require.NoError(t, err)
	id := component.NewID(f.Type())
	host := testHost{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{id: ext}}
	require.NoError(t, ext.Start(context.Background(), host))
	return host, ext
}

// The backend is down, batches are queued persistently, the collector
// restarts (exporter and storage), the backend comes back: every record
// arrives. Then a second outage within one run.
func TestOTLPPersistentQueueSurvivesOutageAndRestart(t *testing.T) {
	storageDir := t.TempDir()
	// One listener for the whole test, taken down and brought back by a
	// switch: a port given up between outages could be taken by another
	// process. Down, it drops every connection unanswered (a network error,
	// as when the backend is unreachable) and counts the attempts, which the
	// test waits on instead of sleeping.
	be := &outageBackend{}
	be.down.Store(true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: be, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	addr := l.Addr().String()
	// failsFrom waits until the exporter failed against the down backend
	// (more attempts than before): it is retrying, the batches are queued.
	failsFrom := func(before int64, why string) {
		t.Helper()
		require.Eventually(t, func() bool { return be.dropped.Load() > before }, 60*time.Second, 5*time.Millisecond, why)
	}

	newExporter := func() (exporter.Logs, extension.Extension) {
		host, ext := storageHost(t, storageDir)
		cfg := otlpConfig(protocolHTTP, "http://"+addr)
		storageID := component.NewID(filestorage.NewFactory().Type())
		cfg.QueueConfig.Get().StorageID = &storageID
		cfg.RetryConfig.MaxElapsedTime = 0 // retry until the backend is back
		exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
		require.NoError(t, err)
		mustStart(t, exp, host)
		return exp, ext
	}

	// Run 1: backend down.
	exp, ext := newExporter()
	var want []string
	for i := range 10 {
		ld := minimizedBatch(t, i, 10)
		want = append(want, recordKeys(ld)...)
		require.NoError(t, exp.ConsumeLogs(context.Background(), ld), "accepted into the persistent queue")
	}
	failsFrom(1, "sends of the queued batches fail while the backend is down")
	require.NoError(t, exp.Shutdown(context.Background()))
	require.NoError(t, ext.Shutdown(context.Background()))
	require.Empty(t, be.records(), "nothing was delivered while down")

	// Run 2: starts while the backend is still down, then it comes back.
	dropped := be.dropped.Load()
	exp, ext = newExporter()
	t.Cleanup(func() {
		_ = exp.Shutdown(context.Background())
		_ = ext.Shutdown(context.Background())
	})
	failsFrom(dropped, "the restarted exporter sends the queue it found, and fails")
	be.down.Store(false)
	require.Eventually(t, func() bool { return containsAll(be.records(), want) }, 60*time.Second, 20*time.Millisecond,
		"every record queued before the restart arrives")

	// A second outage within the same run.
	be.down.Store(true)
	dropped = be.dropped.Load()
	for i := range 5 {
		ld := minimizedBatch(t, 100+i, 10)
		want = append(want, recordKeys(ld)...)
		require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	}
	failsFrom(dropped, "sending during the second outage fails")
	be.down.Store(false)
	require.Eventually(t, func() bool { return containsAll(be.records(), want) }, 60*time.Second, 20*time.Millisecond,
		"every record queued during the second outage arrives")
}

// outageBackend is a backend that can be down: then it closes each
// connection without an answer.
type outageBackend struct {
	backend
	down    atomic.Bool
	dropped atomic.Int64
}

func (b *outageBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if b.down.Load() {
		b.dropped.Add(1)
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
			return
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	b.backend.ServeHTTP(w, r)
}

// containsAll: at-least-once delivery, duplicates allowed.
func containsAll(got, want []string) bool {
	have := make(map[string]bool, len(got))
	for _, g := range got {
		have[g] = true
	}
	for _, w := range want {
		if !have[w] {
			return false
		}
	}
	return true
}

// An auth extension (bearertokenauth, part of the distribution) is resolved
// from the host exactly as the collector's own otlp_http exporter does.
func TestOTLPHTTPAuthExtension(t *testing.T) {
	be := &backend{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: be, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	af := bearertokenauthextension.NewFactory()
	acfg := af.CreateDefaultConfig().(*bearertokenauthextension.Config)
	acfg.BearerToken = "t0ken"
	auth, err := af.Create(context.Background(), extensiontest.NewNopSettings(af.Type()), acfg)
	require.NoError(t, err)
	authID := component.NewID(af.Type())
	host := testHost{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{authID: auth}}
	require.NoError(t, auth.Start(context.Background(), host))
	t.Cleanup(func() { _ = auth.Shutdown(context.Background()) })

	cfg := otlpConfig(protocolHTTP, "http://"+l.Addr().String())
	cfg.OTLP.Get().HTTP.Auth = configoptional.Some(configauth.Config{AuthenticatorID: authID})
	exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
	require.NoError(t, err)
	mustStart(t, exp, host)
	require.NoError(t, exp.ConsumeLogs(context.Background(), minimizedBatch(t, 3, 5)))
	require.Eventually(t, func() bool { return len(be.records()) >= 5 }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, exp.Shutdown(context.Background()))
	be.mu.Lock()
	defer be.mu.Unlock()
	assert.Equal(t, "Bearer t0ken", be.headers[0].Get("Authorization"))
}

// statusBackend answers with the given statuses in turn, then 200.
type statusBackend struct {
	*backend
	mu       sync.Mutex
	statuses []int
	calls    int
}

func (s *statusBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	var code int
	if len(s.statuses) > 0 {
		code, s.statuses = s.statuses[0], s.statuses[1:]
	}
	s.mu.Unlock()
	if code != 0 {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(code)
		return
	}
	s.backend.ServeHTTP(w, r)
}

func (s *statusBackend) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// The inner otlp_http exporter's error classification reaches the egress
// retry unchanged: 503 and 429 are retried until accepted, 400 is permanent
// (dropped after one attempt, not retried forever).
func TestOTLPHTTPRetryAndPermanentErrors(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int
		delivered bool
		calls     int
	}{
		{"unavailable then ok", []int{http.StatusServiceUnavailable, http.StatusServiceUnavailable}, true, 3},
		{"throttled then ok", []int{http.StatusTooManyRequests}, true, 2},
		{"bad request", []int{http.StatusBadRequest, http.StatusBadRequest}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &statusBackend{backend: &backend{}, statuses: tt.statuses}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			srv := &http.Server{Handler: be, ReadHeaderTimeout: 10 * time.Second}
			go func() { _ = srv.Serve(l) }()
			t.Cleanup(func() { _ = srv.Close() })

			cfg := otlpConfig(protocolHTTP, "http://"+l.Addr().String())
			cfg.QueueConfig.Get().WaitForResult = true // ConsumeLogs reports the outcome
			exp, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
			require.NoError(t, err)
			mustStart(t, exp, componenttest.NewNopHost())
			t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })

			err = exp.ConsumeLogs(context.Background(), minimizedBatch(t, 4, 6))
			if tt.delivered {
				require.NoError(t, err)
				assert.Len(t, be.records(), 6)
			} else {
				require.Error(t, err)
				assert.Empty(t, be.records())
			}
			assert.Equal(t, tt.calls, be.callCount())
		})
	}
}
