// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testcert"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestRedactingWriter(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http: TLS handshake error from 203.0.113.7:51234: EOF\n", "http: TLS handshake error from [client]: EOF"},
		{"http: TLS handshake error from [2001:db8::1]:443: remote error", "http: TLS handshake error from [client]: remote error"},
		{"http: panic serving 10.0.0.1:1: boom", "http: panic serving [client]: boom"},
		{"http: Accept error: too many open files", "http: Accept error: too many open files"},
	}
	for _, tt := range tests {
		core, logs := observer.New(zap.DebugLevel)
		w := &redactingWriter{logger: zap.New(core)}
		n, err := w.Write([]byte(tt.in))
		require.NoError(t, err)
		assert.Equal(t, len(tt.in), n)
		require.Equal(t, 1, logs.Len())
		assert.Equal(t, tt.want, logs.All()[0].ContextMap()["error"])
	}
}

// writeSelfSignedCert writes a throwaway certificate for 127.0.0.1.
func writeSelfSignedCert(t *testing.T) (certFile, keyFile string) {
	f := testcert.Write(t, t.TempDir())
	return f.CertFile, f.KeyFile
}

// A failed TLS handshake makes net/http log the client's address; the
// receiver's logs must carry it redacted.
func TestTLSHandshakeErrorLogRedactsClientAddress(t *testing.T) {
	certFile, keyFile := writeSelfSignedCert(t)
	env := startReceiver(t, consumertest.NewNop(), func(c *Config) {
		tlsCfg := configtls.NewDefaultServerConfig()
		tlsCfg.CertFile = certFile
		tlsCfg.KeyFile = keyFile
		c.TLS = configoptional.Some(tlsCfg)
	})
	conn, err := net.DialTimeout("tcp", env.rcv.addr.String(), 10*time.Second)
	require.NoError(t, err)
	clientAddr := conn.LocalAddr().String()
	_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, _ = io.ReadAll(conn)
	require.NoError(t, conn.Close())

	require.Eventually(t, func() bool {
		return env.logs.FilterMessage("HTTP server error").Len() > 0
	}, 30*time.Second, 20*time.Millisecond)
	for _, e := range env.logs.All() {
		line := e.Message + " " + strings.Join(mapValues(e.ContextMap()), " ")
		assert.NotContains(t, line, clientAddr)
		if e.Message == "HTTP server error" {
			assert.Contains(t, line, "TLS handshake error from [client]")
		}
	}
}

func mapValues(m map[string]any) []string {
	var out []string
	for _, v := range m {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Trace context and baggage sent by the client do not travel with the data.
func TestClientPropagatedContextIsDropped(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })

	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, nil)
	const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	resp := env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(compactBody),
		"traceparent", "00-"+clientTrace+"-00f067aa0ba902b7-01",
		"baggage", "user.id="+secret)
	require.Equal(t, http.StatusOK, resp.status)
	require.Len(t, sink.Contexts(), 1)
	ctx := sink.Contexts()[0]
	assert.NotEqual(t, clientTrace, trace.SpanContextFromContext(ctx).TraceID().String())
	assert.Equal(t, 0, baggage.FromContext(ctx).Len())
}
