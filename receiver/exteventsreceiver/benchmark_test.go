// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver/internal/metadata"
)

// realisticPayloads is the shared extension workload (internal/testworkload,
// the same events the end-to-end and micro benchmarks send) as compact JSON,
// OTLP JSON and OTLP protobuf.
func realisticPayloads(tb testing.TB, n int) (compact, otlpJSONBody, otlpProtoBody []byte) {
	compact, otlpJSONBody, otlpProtoBody, err := testworkload.Payloads(n)
	require.NoError(tb, err)
	return compact, otlpJSONBody, otlpProtoBody
}

// BenchmarkDecodeAndMap measures decoding and mapping one request of 50 events
// into pdata, without HTTP: each encoding's decode (the compact decoder; the
// OTLP path: unmarshal + event.name normalization + limits) and the stamp
// (service.name, observed time), and the bare pdata unmarshal that upstream
// otlpreceiver does for the same payload.
func BenchmarkDecodeAndMap(b *testing.B) {
	compact, oj, op := realisticPayloads(b, 50)
	cfg := createDefaultConfig().(*Config)
	r, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type), consumertest.NewNop())
	require.NoError(b, err)

	b.Run("compact_json", func(b *testing.B) {
		enc, ok := r.events.negotiate(&http.Request{Header: http.Header{"Content-Type": {contentTypeText}}})
		require.True(b, ok)
		b.SetBytes(int64(len(compact)))
		b.ReportAllocs()
		for b.Loop() {
			ld, n, _, derr := enc.decode(compact, &cfg.Limits)
			if derr != nil || n != 50 {
				b.Fatal(derr, n)
			}
			stamp(ld, cfg.ServiceName, 1)
		}
	})
	for _, tc := range []struct {
		name  string
		body  []byte
		proto bool
		enc   encoding
	}{{"otlp_json", oj, false, otlpJSONEncoding}, {"otlp_proto", op, true, otlpProtoEncoding}} {
		b.Run(tc.name+"/extevents", func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			for b.Loop() {
				ld, acc, _, derr := tc.enc.decode(tc.body, &cfg.Limits)
				if derr != nil || acc != 50 {
					b.Fatal(derr, acc)
				}
				stamp(ld, cfg.ServiceName, 1)
			}
		})
		b.Run(tc.name+"/pdata_unmarshal_only", func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			for b.Loop() {
				req := plogotlp.NewExportRequest()
				if tc.proto {
					err = req.UnmarshalProto(tc.body)
				} else {
					err = req.UnmarshalJSON(tc.body)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The compact and OTLP forms of the benchmark payload carry the same events.
func TestRealisticPayloadsAgree(t *testing.T) {
	compact, oj, op := realisticPayloads(t, 50)
	t.Logf("50 events: compact JSON %d B, OTLP JSON %d B, OTLP protobuf %d B", len(compact), len(oj), len(op))
	ld := plog.NewLogs()
	n, derr := decodeCompact(compact, &createDefaultConfig().(*Config).Limits, "x", ld)
	require.Nil(t, derr)
	require.Equal(t, 50, n)
	req := plogotlp.NewExportRequest()
	require.NoError(t, req.UnmarshalJSON(oj))
	got := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	want := req.Logs().ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, want.Len(), got.Len())
	for i := 0; i < got.Len(); i++ {
		require.Equal(t, want.At(i).EventName(), got.At(i).EventName())
		require.Equal(t, want.At(i).Timestamp(), got.At(i).Timestamp())
		require.Equal(t, want.At(i).Attributes().AsRaw(), got.At(i).Attributes().AsRaw())
	}
}
