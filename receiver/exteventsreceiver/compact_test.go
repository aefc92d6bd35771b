// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

var testLimits = LimitsConfig{MaxEventsPerRequest: 3, MaxAttributesPerEvent: 3, MaxKeyLength: 16, MaxValueLength: 32}

const testObserved = pcommon.Timestamp(1_700_000_000_000_000_000)

func decodeForTest(t *testing.T, body string) (plog.Logs, int, *compactError) {
	t.Helper()
	ld := plog.NewLogs()
	n, err := decodeCompact([]byte(body), &testLimits, "scope", ld)
	if err == nil {
		stamp(ld, "svc", testObserved) // what the pipeline does next
	}
	return ld, n, err
}

func TestDecodeCompactValid(t *testing.T) {
	body := ` {"service_version":"3.2.1","events":[
		{"name":"ui.interaction","time":"2026-11-28T10:00:00Z","attributes":{"ui.surface":"popup","n":42,"x":-1.5}},
		{"attributes":{"b":true,"c":false,"big":1e3},"name":"settings.state","time":1764324000123},
		{"name":"esc\u00e9\"\\\/\n","attributes":{"emoji":"\ud83d\ude00 ok","utf8":"caf\u00e9 €"}}
	]} `
	ld, n, err := decodeForTest(t, body)
	require.Nil(t, err)
	require.Equal(t, 3, n)
	require.Equal(t, 1, ld.ResourceLogs().Len())
	rl := ld.ResourceLogs().At(0)
	assert.Equal(t, map[string]any{"service.name": "svc", "service.version": "3.2.1"}, rl.Resource().Attributes().AsRaw())
	require.Equal(t, 1, rl.ScopeLogs().Len())
	sl := rl.ScopeLogs().At(0)
	assert.Equal(t, "scope", sl.Scope().Name())
	recs := sl.LogRecords()
	require.Equal(t, 3, recs.Len())

	r0 := recs.At(0)
	assert.Equal(t, "ui.interaction", r0.EventName())
	assert.Equal(t, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), r0.Timestamp().AsTime())
	assert.Equal(t, testObserved, r0.ObservedTimestamp())
	assert.Equal(t, map[string]any{"ui.surface": "popup", "n": int64(42), "x": -1.5}, r0.Attributes().AsRaw())

	r1 := recs.At(1)
	assert.Equal(t, "settings.state", r1.EventName())
	assert.Equal(t, time.UnixMilli(1764324000123).UTC(), r1.Timestamp().AsTime())
	assert.Equal(t, map[string]any{"b": true, "c": false, "big": 1000.0}, r1.Attributes().AsRaw())
	v, _ := r1.Attributes().Get("big")
	assert.Equal(t, pcommon.ValueTypeDouble, v.Type(), "1e3 is a JSON number with an exponent: double")

	r2 := recs.At(2)
	assert.Equal(t, "esc\u00e9\"\\/\n", r2.EventName())
	assert.Equal(t, pcommon.Timestamp(0), r2.Timestamp(), "no time: Timestamp unset, ObservedTimestamp set")
	assert.Equal(t, testObserved, r2.ObservedTimestamp())
	assert.Equal(t, map[string]any{"emoji": "\U0001F600 ok", "utf8": "café €"}, r2.Attributes().AsRaw())
}

func TestDecodeCompactEdgeValid(t *testing.T) {
	tests := []struct {
		name string
		body string
		n    int
	}{
		{"empty events", `{"events":[]}`, 0},
		{"no version", `{"events":[{"name":"a"}]}`, 1},
		{"empty version", `{"service_version":"","events":[{"name":"a"}]}`, 1},
		{"empty attributes", `{"events":[{"name":"a","attributes":{}}]}`, 1},
		{"int64 max", `{"events":[{"name":"a","attributes":{"i":9223372036854775807}}]}`, 1},
		{"int overflow to double", `{"events":[{"name":"a","attributes":{"i":92233720368547758070}}]}`, 1},
		{"time fractional", `{"events":[{"name":"a","time":"2026-11-28T10:00:00.123456789+02:00"}]}`, 1},
		{"time zero ms", `{"events":[{"name":"a","time":0}]}`, 1},
		{"max events", `{"events":[{"name":"a"},{"name":"b"},{"name":"c"}]}`, 3},
		{"max attrs", `{"events":[{"name":"a","attributes":{"a":1,"b":2,"c":3}}]}`, 3 - 2},
		{"all escapes", `{"events":[{"name":"\b\f\n\r\t\u00E9\u00e9","attributes":{"\/k":"\"\\"}}]}`, 1},
		{"whitespace", "\t{\r\n\"events\" : [ { \"name\" : \"a\" } ] }\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, n, err := decodeForTest(t, tt.body)
			require.Nil(t, err)
			assert.Equal(t, tt.n, n)
		})
	}
}

func TestDecodeCompactInvalid(t *testing.T) {
	long := strings.Repeat("k", 17)
	longVal := strings.Repeat("v", 33)
	tests := []struct {
		name  string
		body  string
		field string
		msg   string
		index int
	}{
		{"not json", `nope`, "request", msgNotObject, -1},
		{"array at top", `[]`, "request", msgNotObject, -1},
		{"empty body", ``, "request", msgNotObject, -1},
		{"truncated", `{"events":[{"name":"a"`, "events[0]", msgInvalidJSON, 0},
		{"trailing data", `{"events":[]} {}`, "request", msgTrailing, -1},
		{"trailing comma", `{"events":[{"name":"a"},]}`, "events[1]", msgNotObject, 1},
		{"missing events", `{"service_version":"1"}`, "events", msgRequired, -1},
		{"events not array", `{"events":{}}`, "events", msgNotArray, -1},
		{"unknown top field", `{"events":[],"secret_field":1}`, "request", msgUnknownField, -1},
		{"duplicate events", `{"events":[],"events":[]}`, "events", msgDuplicateField, -1},
		{"version not string", `{"service_version":3,"events":[]}`, "service_version", msgNotString, -1},
		{"version too long", `{"service_version":"` + longVal + `","events":[]}`, "service_version", msgValueTooLong, -1},
		{"event not object", `{"events":["x"]}`, "events[0]", msgNotObject, 0},
		{"missing name", `{"events":[{"name":"a"},{"time":0}]}`, "events[1].name", msgRequired, 1},
		{"empty name", `{"events":[{"name":""}]}`, "events[0].name", msgEmpty, 0},
		{"name too long", `{"events":[{"name":"` + long + `"}]}`, "events[0].name", msgNameTooLong, 0},
		{"name not string", `{"events":[{"name":1}]}`, "events[0].name", msgNotString, 0},
		{"duplicate name", `{"events":[{"name":"a","name":"b"}]}`, "events[0].name", msgDuplicateField, 0},
		{"unknown event field", `{"events":[{"name":"a","body":"secret"}]}`, "events[0]", msgUnknownField, 0},
		{"too many events", `{"events":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"}]}`, "events", msgTooManyEvents, 3},
		{"bad time string", `{"events":[{"name":"a","time":"yesterday"}]}`, "events[0].time", msgBadTime, 0},
		{"time fraction ms", `{"events":[{"name":"a","time":1.5}]}`, "events[0].time", msgBadTime, 0},
		{"time negative", `{"events":[{"name":"a","time":-1}]}`, "events[0].time", msgBadTime, 0},
		{"time too big", `{"events":[{"name":"a","time":9223372036855}]}`, "events[0].time", msgBadTime, 0},
		{"time before epoch", `{"events":[{"name":"a","time":"1969-12-31T23:59:59Z"}]}`, "events[0].time", msgBadTime, 0},
		{"time bool", `{"events":[{"name":"a","time":true}]}`, "events[0].time", msgBadTime, 0},
		{"attributes not object", `{"events":[{"name":"a","attributes":[]}]}`, "events[0].attributes", msgNotObject, 0},
		{"nested object", `{"events":[{"name":"a"},{"name":"b"},{"name":"c","attributes":{"k":{"x":1}}}]}`, "events[2].attributes", msgScalarOnly, 2},
		{"array value", `{"events":[{"name":"a","attributes":{"k":[1]}}]}`, "events[0].attributes", msgScalarOnly, 0},
		{"null value", `{"events":[{"name":"a","attributes":{"k":null}}]}`, "events[0].attributes", msgScalarOnly, 0},
		{"duplicate key", `{"events":[{"name":"a","attributes":{"k":1,"k":2}}]}`, "events[0].attributes", msgDuplicateKey, 0},
		{"empty key", `{"events":[{"name":"a","attributes":{"":1}}]}`, "events[0].attributes", msgEmptyKey, 0},
		{"key too long", `{"events":[{"name":"a","attributes":{"` + long + `":1}}]}`, "events[0].attributes", msgKeyTooLong, 0},
		{"value too long", `{"events":[{"name":"a","attributes":{"k":"` + longVal + `"}}]}`, "events[0].attributes", msgValueTooLong, 0},
		{"too many attributes", `{"events":[{"name":"a","attributes":{"a":1,"b":2,"c":3,"d":4}}]}`, "events[0].attributes", msgTooManyAttrs, 0},
		{"number overflow", `{"events":[{"name":"a","attributes":{"k":1e999}}]}`, "events[0].attributes", msgNumberRange, 0},
		{"leading zero", `{"events":[{"name":"a","attributes":{"k":01}}]}`, "events[0].attributes", msgInvalidJSON, 0},
		{"bare minus", `{"events":[{"name":"a","attributes":{"k":-}}]}`, "events[0].attributes", msgInvalidJSON, 0},
		{"bad literal", `{"events":[{"name":"a","attributes":{"k":tru}}]}`, "events[0].attributes", msgInvalidJSON, 0},
		{"invalid utf8 value", "{\"events\":[{\"name\":\"a\",\"attributes\":{\"k\":\"\xff\"}}]}", "events[0].attributes", msgInvalidUTF8, 0},
		{"invalid utf8 key", "{\"events\":[{\"name\":\"a\",\"attributes\":{\"\xc3\x28\":1}}]}", "events[0].attributes", msgInvalidUTF8, 0},
		{"invalid utf8 after escape", "{\"events\":[{\"name\":\"a\\n\xff\"}]}", "events[0].name", msgInvalidUTF8, 0},
		{"lone high surrogate", `{"events":[{"name":"\ud83d"}]}`, "events[0].name", msgInvalidUTF8, 0},
		{"lone low surrogate", `{"events":[{"name":"\ude00"}]}`, "events[0].name", msgInvalidUTF8, 0},
		{"bad hex", `{"events":[{"name":"\u00zz"}]}`, "events[0].name", msgInvalidJSON, 0},
		{"short hex", `{"events":[{"name":"\u00`, "events[0].name", msgInvalidJSON, 0},
		{"truncated escape", `{"events":[{"name":"\`, "events[0].name", msgInvalidJSON, 0},
		{"unterminated escaped string", `{"events":[{"name":"\n`, "events[0].name", msgInvalidJSON, 0},
		{"control char after escape", "{\"events\":[{\"name\":\"\\n\x02\"}]}", "events[0].name", msgInvalidJSON, 0},
		{"high surrogate then non-low", `{"events":[{"name":"\ud83d\u0041"}]}`, "events[0].name", msgInvalidUTF8, 0},
		{"high surrogate then bad hex", `{"events":[{"name":"\ud83d\uzzzz"}]}`, "events[0].name", msgInvalidJSON, 0},
		{"bad escape", `{"events":[{"name":"\x"}]}`, "events[0].name", msgInvalidJSON, 0},
		{"control char", "{\"events\":[{\"name\":\"a\x01\"}]}", "events[0].name", msgInvalidJSON, 0},
		{"unquoted key", `{"events":[{name:"a"}]}`, "events[0]", msgInvalidJSON, 0},
		{"missing colon", `{"events" []}`, "request", msgInvalidJSON, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeForTest(t, tt.body)
			require.NotNil(t, err)
			assert.Equal(t, tt.field, err.Field)
			assert.Equal(t, tt.msg, err.Msg)
			assert.Equal(t, tt.index, err.Index)
			assert.Equal(t, tt.field+": "+tt.msg, err.Error())
		})
	}
}
