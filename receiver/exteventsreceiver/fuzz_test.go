// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver/internal/metadata"
)

var fieldPattern = regexp.MustCompile(`^(request|service_version|events|events\[\d+\](\.(name|time|attributes))?)$`)

// FuzzDecodeCompact checks the compact decoder against encoding/json: it never
// panics, it only accepts valid JSON, what it accepts respects the limits and
// the shape, and its errors name only structural positions.
func FuzzDecodeCompact(f *testing.F) {
	for _, s := range []string{
		compactBody,
		`{"events":[]}`,
		`{"service_version":"1","events":[{"name":"a","time":0,"attributes":{"k":"v","n":1.5e3,"b":false}}]}`,
		`{"events":[{"name":"\ud83d\ude00","attributes":{"\u00e9":"\n\t\"\\"}}]}`,
		`{"events":[{"name":"a","attributes":{"k":{"x":1}}}]}`,
		`{"events":[{"name":"a","attributes":{"k":1,"k":2}}]}`,
		`{"events":[{"name":"a","time":"2026-11-28T10:00:00.5+01:00"}]} `,
		"{\"events\":[{\"name\":\"\xff\"}]}",
		`{"events":[{"name":"\ud800"}]}`,
		`[1,2,3]`,
		``,
	} {
		f.Add([]byte(s))
	}
	lim := LimitsConfig{MaxEventsPerRequest: 5, MaxAttributesPerEvent: 4, MaxKeyLength: 16, MaxValueLength: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		ld := plog.NewLogs()
		n, err := decodeCompact(data, &lim, "scope", ld)
		if err != nil {
			if !fieldPattern.MatchString(err.Field) {
				t.Fatalf("error field %q is not structural", err.Field)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if n > lim.MaxEventsPerRequest {
			t.Fatalf("accepted %d events", n)
		}
		recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		if recs.Len() != n {
			t.Fatalf("returned %d, produced %d", n, recs.Len())
		}
		// encoding/json agrees on the names.
		var doc struct {
			Events []struct {
				Name string `json:"name"`
			} `json:"events"`
		}
		if jerr := json.Unmarshal(data, &doc); jerr != nil || len(doc.Events) != n {
			t.Fatalf("encoding/json disagrees: %v, %d events", jerr, len(doc.Events))
		}
		for i := 0; i < n; i++ {
			lr := recs.At(i)
			if lr.EventName() == "" || len(lr.EventName()) > lim.MaxKeyLength || lr.EventName() != doc.Events[i].Name {
				t.Fatalf("bad event name %q", lr.EventName())
			}
			if lr.Attributes().Len() > lim.MaxAttributesPerEvent {
				t.Fatalf("too many attributes")
			}
			for k, v := range lr.Attributes().All() {
				if k == "" || len(k) > lim.MaxKeyLength {
					t.Fatalf("bad key length %d", len(k))
				}
				switch v.Type() {
				case pcommon.ValueTypeStr:
					if len(v.Str()) > lim.MaxValueLength {
						t.Fatalf("value too long")
					}
				case pcommon.ValueTypeBool, pcommon.ValueTypeInt, pcommon.ValueTypeDouble:
				default:
					t.Fatalf("non-scalar value %v", v.Type())
				}
			}
		}
	})
}

// FuzzOTLPLogs drives arbitrary bodies through the /v1/logs handler in both
// encodings: it answers 200 or 400, never panics, and what reaches the sink is
// within the limits and normalized.
func FuzzOTLPLogs(f *testing.F) {
	f.Add(otlpProto(f, sampleLogs()), false)
	f.Add(otlpJSON(f, sampleLogs()), true)
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"event.name","value":{"stringValue":"x"}}]}]}]}]}`), true)
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"m","value":{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{"values":[{"intValue":"1"}]}}}]}}}]}]}]}]}`), true)
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00}, false)
	f.Add([]byte("not otlp"), true)

	cfg := createDefaultConfig().(*Config)
	cfg.RateLimit.RequestsPerSecond = 0
	cfg.Limits.MaxAttributesPerEvent = 4
	cfg.Limits.MaxKeyLength = 16
	cfg.Limits.MaxValueLength = 32
	cfg.Limits.MaxEventsPerRequest = 8
	sink := new(consumertest.LogsSink)
	r, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type), sink)
	require.NoError(f, err)
	h := r.handler()

	f.Fuzz(func(t *testing.T, body []byte, asJSON bool) {
		sink.Reset()
		ct := contentTypeProto
		if asJSON {
			ct = contentTypeJSON
		}
		req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, pathLogs, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Code != http.StatusOK {
			if sink.LogRecordCount() != 0 {
				t.Fatal("rejected request reached the sink")
			}
			return
		}
		if sink.LogRecordCount() > cfg.Limits.MaxEventsPerRequest {
			t.Fatalf("%d records passed", sink.LogRecordCount())
		}
		for _, ld := range sink.AllLogs() {
			rls := ld.ResourceLogs()
			for i := 0; i < rls.Len(); i++ {
				sls := rls.At(i).ScopeLogs()
				for j := 0; j < sls.Len(); j++ {
					lrs := sls.At(j).LogRecords()
					for k := 0; k < lrs.Len(); k++ {
						lr := lrs.At(k)
						if !cfg.Limits.recordOK(lr) {
							t.Fatal("record over the limits passed")
						}
						if v, ok := lr.Attributes().Get(attrEventName); ok && lr.EventName() == "" && v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
							t.Fatal("event.name not normalized")
						}
					}
				}
			}
		}
	})
}
