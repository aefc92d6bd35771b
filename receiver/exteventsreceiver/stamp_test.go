// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver/internal/metadata"
)

// newDirectReceiver builds the receiver without a server, with a fixed clock,
// for tests that call its handler directly.
func newDirectReceiver(t *testing.T, next *consumertest.LogsSink, receipt time.Time, mutate func(*Config)) http.Handler {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.ServiceName = "configured-name"
	cfg.RateLimit.RequestsPerSecond = 0
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	r, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type), next)
	require.NoError(t, err)
	r.now = func() time.Time { return receipt }
	return r.handler()
}

func post(t *testing.T, h http.Handler, path, contentType string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The resource's service.name and every record's observed time are the
// receiver's, on both endpoints, whatever the client sent (issue 9).
func TestServiceNameAndObservedTimeAreTheReceivers(t *testing.T) {
	receipt := time.Date(2026, 12, 1, 12, 0, 0, 123_000_000, time.UTC)
	forgedObserved := pcommon.NewTimestampFromTime(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))

	// OTLP: three resources (a forged name, none, an empty one), records with
	// and without a client-chosen observed time.
	ld := plog.NewLogs()
	for _, name := range []any{"forged-by-client", nil, ""} {
		rl := ld.ResourceLogs().AppendEmpty()
		if name != nil {
			rl.Resource().Attributes().PutStr("service.name", name.(string))
		}
		rl.Resource().Attributes().PutStr("service.version", "3.2.1")
		for _, sl := range []plog.ScopeLogs{rl.ScopeLogs().AppendEmpty(), rl.ScopeLogs().AppendEmpty()} {
			a := sl.LogRecords().AppendEmpty()
			a.SetEventName("ui.interaction")
			a.SetObservedTimestamp(forgedObserved)
			b := sl.LogRecords().AppendEmpty()
			b.SetEventName("ui.interaction")
		}
	}
	compact := []byte(`{"service_version":"3.2.1","events":[{"name":"ui.interaction","time":1764324000000},{"name":"settings.state"}]}`)

	tests := []struct {
		name, path, ct string
		body           []byte
		records        int
	}{
		{"logs protobuf", pathLogs, contentTypeProto, otlpProto(t, ld), 12},
		{"logs json", pathLogs, contentTypeJSON, otlpJSON(t, ld), 12},
		{"events", pathEvents, contentTypeJSON, compact, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			h := newDirectReceiver(t, sink, receipt, nil)
			rec := post(t, h, tt.path, tt.ct, tt.body)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, tt.records, sink.LogRecordCount())
			got := sink.AllLogs()[0]
			for i := 0; i < got.ResourceLogs().Len(); i++ {
				rl := got.ResourceLogs().At(i)
				assert.Equal(t, map[string]any{"service.name": "configured-name", "service.version": "3.2.1"},
					rl.Resource().Attributes().AsRaw(), "resource %d", i)
				for j := 0; j < rl.ScopeLogs().Len(); j++ {
					lrs := rl.ScopeLogs().At(j).LogRecords()
					for k := 0; k < lrs.Len(); k++ {
						assert.Equal(t, receipt, lrs.At(k).ObservedTimestamp().AsTime(), "record %d/%d/%d", i, j, k)
					}
				}
			}
		})
	}
}

// The event time is the client's: bounding it is the minimize processor's job.
func TestEventTimeIsKept(t *testing.T) {
	receipt := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	sink := new(consumertest.LogsSink)
	h := newDirectReceiver(t, sink, receipt, nil)
	ld := sampleLogs()
	require.Equal(t, http.StatusOK, post(t, h, pathLogs, contentTypeProto, otlpProto(t, ld)).Code)
	got := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Timestamp(), got.Timestamp())
}
