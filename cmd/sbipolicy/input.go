package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"
)

// receiverScope is the scope name the extevents receiver gives compact events
// (its metadata.ScopeName, an internal package). minimize drops every scope,
// so it only shows in explain's list of dropped parts.
const receiverScope = "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

// decodeEvents reads compact JSON (an object with "events") or OTLP JSON (an
// object with "resourceLogs") into logs the way the extevents receiver hands
// them to the pipeline: compact events mapped as DESIGN.md describes
// (service.name from the receiver's config, service.version from the
// request, observed time = receipt), OTLP records with a legacy `event.name`
// attribute normalized into EventName. legacy holds the running indexes of
// the records so normalized.
func decodeEvents(data []byte, serviceName string, receipt time.Time) (ld plog.Logs, legacy map[int]bool, err error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return plog.Logs{}, nil, fmt.Errorf("input is not a JSON object: %w", err)
	}
	switch {
	case probe["resourceLogs"] != nil:
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(data)
		if err != nil {
			return plog.Logs{}, nil, fmt.Errorf("OTLP JSON: %w", err)
		}
		return ld, normalizeEventNames(ld), nil
	case probe["events"] != nil:
		ld, err := decodeCompact(data, serviceName, receipt)
		return ld, nil, err
	default:
		return plog.Logs{}, nil, errors.New(`input has neither "events" (compact JSON) nor "resourceLogs" (OTLP JSON)`)
	}
}

// normalizeEventNames does what the receiver does for older SDKs: a record
// without EventName but with a string event.name attribute gets the value as
// its EventName, and the attribute is removed. It returns the running
// indexes of the records it changed.
func normalizeEventNames(ld plog.Logs) map[int]bool {
	changed := map[int]bool{}
	i := 0
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				i++
				if lr.EventName() != "" {
					continue
				}
				if v, ok := lr.Attributes().Get("event.name"); ok && v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
					lr.SetEventName(v.Str())
					lr.Attributes().Remove("event.name")
					changed[i-1] = true
				}
			}
		}
	}
	return changed
}

type compactRequest struct {
	ServiceVersion string         `json:"service_version"`
	Events         []compactEvent `json:"events"`
}

type compactEvent struct {
	Name       string          `json:"name"`
	Time       json.RawMessage `json:"time"`
	Attributes orderedAttrs    `json:"attributes"`
}

// orderedAttrs keeps the attributes in request order, as the receiver's
// decoder does (the engine keeps input order, so the output shows it).
type orderedAttrs struct {
	keys []string
	vals []any
}

func (o *orderedAttrs) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("attributes must be an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k := t.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return err
		}
		switch v.(type) {
		case string, bool, json.Number:
		default:
			return fmt.Errorf("attribute %q: value must be a string, number or boolean", k)
		}
		for _, seen := range o.keys {
			if seen == k {
				return fmt.Errorf("attribute %q: duplicate key", k)
			}
		}
		o.keys, o.vals = append(o.keys, k), append(o.vals, v)
	}
	return nil
}

func decodeCompact(data []byte, serviceName string, receipt time.Time) (plog.Logs, error) {
	var req compactRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return plog.Logs{}, fmt.Errorf("compact JSON: %w", err)
	}
	if err := withinLimits(&req, receiverLimits()); err != nil {
		return plog.Logs{}, fmt.Errorf("the receiver rejects this request (400): %w", err)
	}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", serviceName)
	if req.ServiceVersion != "" {
		rl.Resource().Attributes().PutStr("service.version", req.ServiceVersion)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(receiverScope)
	observed := pcommon.NewTimestampFromTime(receipt)
	for i, ev := range req.Events {
		if ev.Name == "" {
			return plog.Logs{}, fmt.Errorf("events[%d].name: required", i)
		}
		lr := sl.LogRecords().AppendEmpty()
		lr.SetEventName(ev.Name)
		lr.SetObservedTimestamp(observed)
		ts, err := compactTime(ev.Time)
		if err != nil {
			return plog.Logs{}, fmt.Errorf("events[%d].time: %w", i, err)
		}
		lr.SetTimestamp(ts)
		m := lr.Attributes()
		for j, k := range ev.Attributes.keys {
			switch v := ev.Attributes.vals[j].(type) {
			case string:
				m.PutStr(k, v)
			case bool:
				m.PutBool(k, v)
			case json.Number:
				if n, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
					m.PutInt(k, n)
				} else if f, err := v.Float64(); err == nil && !math.IsInf(f, 0) {
					m.PutDouble(k, f)
				} else {
					return plog.Logs{}, fmt.Errorf("events[%d].attributes: number out of range", i)
				}
			}
		}
	}
	return ld, nil
}

// compactTime reads an RFC 3339 string or epoch milliseconds, as the receiver
// does; absent is zero (no event time).
func compactTime(raw json.RawMessage) (pcommon.Timestamp, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || t.Unix() < 0 || t.Year() > 2262 { // outside int64 nanoseconds, as the receiver checks
			return 0, errors.New("must be an RFC 3339 timestamp string or epoch milliseconds")
		}
		return pcommon.NewTimestampFromTime(t), nil
	}
	var ms int64
	if err := json.Unmarshal(raw, &ms); err != nil || ms < 0 || ms > math.MaxInt64/int64(time.Millisecond) {
		return 0, errors.New("must be an RFC 3339 timestamp string or epoch milliseconds")
	}
	return pcommon.Timestamp(ms * int64(time.Millisecond)), nil
}

func readInput(path string, stdin io.Reader) ([]byte, error) {
	if path == "" || path == "-" {
		return io.ReadAll(stdin)
	}
	return readFile(path)
}

// receiverLimits are the extevents receiver's default limits, read from its
// factory so they cannot drift.
func receiverLimits() exteventsreceiver.LimitsConfig {
	return exteventsreceiver.NewFactory().CreateDefaultConfig().(*exteventsreceiver.Config).Limits
}

// withinLimits applies the limits the receiver enforces on a compact request
// (it answers 400 to the whole request when one is exceeded).
func withinLimits(req *compactRequest, lim exteventsreceiver.LimitsConfig) error {
	if len(req.ServiceVersion) > lim.MaxValueLength {
		return fmt.Errorf("service_version: longer than max_value_length %d", lim.MaxValueLength)
	}
	if len(req.Events) > lim.MaxEventsPerRequest {
		return fmt.Errorf("events: more than max_events_per_request %d", lim.MaxEventsPerRequest)
	}
	for i, ev := range req.Events {
		if len(ev.Name) > lim.MaxKeyLength {
			return fmt.Errorf("events[%d].name: longer than max_key_length %d", i, lim.MaxKeyLength)
		}
		if len(ev.Attributes.keys) > lim.MaxAttributesPerEvent {
			return fmt.Errorf("events[%d].attributes: more than max_attributes_per_event %d", i, lim.MaxAttributesPerEvent)
		}
		for j, k := range ev.Attributes.keys {
			if k == "" || len(k) > lim.MaxKeyLength {
				return fmt.Errorf("events[%d].attributes: a key empty or longer than max_key_length %d", i, lim.MaxKeyLength)
			}
			if v, ok := ev.Attributes.vals[j].(string); ok && len(v) > lim.MaxValueLength {
				return fmt.Errorf("events[%d].attributes: a value longer than max_value_length %d", i, lim.MaxValueLength)
			}
		}
	}
	return nil
}
