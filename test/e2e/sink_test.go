package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// backendToken is what the sink requires and the edge's shipped configs send
// (SBI_BACKEND_TOKEN in exampleEnv).
const backendToken = "e2e-backend-token-0f5c"

// otlpSink plays the existing observability backend the edge exports to: a plain OTLP/HTTP
// server, no collector of this repository (which would stamp its own receipt times), that
// accepts POST /v1/logs (protobuf or JSON, gzip or not) only with the bearer token and
// appends each request as one OTLP-JSON line to a file, as a file exporter would. It records
// exactly the bytes the edge sent.
type otlpSink struct {
	addr string
	path string
	srv  *http.Server
	done chan struct{}
	mu   sync.Mutex
}

func startSink(t *testing.T, port int, dir string) *otlpSink {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "data"), 0o700))
	s := &otlpSink{addr: fmt.Sprintf("127.0.0.1:%d", port), path: filepath.Join(dir, "data", "received.jsonl")}
	var ln net.Listener
	require.Eventually(t, func() bool { // the port may still be held by the previous run
		var err error
		ln, err = net.Listen("tcp", s.addr)
		return err == nil
	}, 10*time.Second, 50*time.Millisecond, "the sink cannot listen on %s", s.addr)
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("sink: %v", err)
		}
	}()
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *otlpSink) stop(t *testing.T) {
	if s.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.srv.Shutdown(ctx))
	<-s.done
	s.srv = nil
}

func (s *otlpSink) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/logs" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+backendToken {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := plogotlp.NewExportRequest()
	if r.Header.Get("Content-Type") == "application/json" {
		err = req.UnmarshalJSON(raw)
	} else {
		err = req.UnmarshalProto(raw)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	line, err := (&plog.JSONMarshaler{}).MarshalLogs(req.Logs())
	if err == nil {
		err = s.append(line)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, _ := plogotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

func (s *otlpSink) append(line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(bytes.TrimSpace(line), '\n'))
	return errors.Join(err, f.Close())
}
