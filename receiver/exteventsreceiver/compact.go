// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"math"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The compact format of /v1/events:
//
//	{"service_version":"3.2.1","events":[{"name":"ui.interaction","time":"2026-11-28T10:00:00Z",
//	  "attributes":{"ui.surface":"popup","ui.action":"click"}}]}
//
// It is decoded in one pass on top of the lexer (lexer.go) rather than with
// encoding/json: the shape is fixed (so nesting is bounded by construction),
// and the decoder rejects what encoding/json lets through silently (invalid
// UTF-8, duplicate keys, unknown fields) and enforces the limits (limits.go)
// while reading. It writes straight into pdata: no intermediate structs.

// compactError describes why a compact request was rejected. Its text never
// contains anything from the request except structural positions (field path,
// event index): no keys, no values.
type compactError struct {
	Field string // e.g. "events[3].attributes"
	Msg   string // e.g. "value must be a string, number or boolean"
	Index int    // event index, -1 when the error is not about one event
}

func (e *compactError) Error() string { return e.Field + ": " + e.Msg }

// Format messages (fixed texts, like the lexer's), so that no request content
// can reach them.
const (
	msgNotString      = "must be a string"
	msgUnknownField   = "unknown field"
	msgDuplicateField = "duplicate field"
	msgRequired       = "required"
	msgEmpty          = "must not be empty"
	msgScalarOnly     = "value must be a string, number or boolean"
	msgDuplicateKey   = "duplicate key"
	msgEmptyKey       = "key must not be empty"
	msgKeyTooLong     = "key too long"
	msgValueTooLong   = "value too long"
	msgNameTooLong    = "too long"
	msgTooManyAttrs   = "too many attributes"
	msgTooManyEvents  = "too many events"
	msgNumberRange    = "number out of range"
	msgBadTime        = "must be an RFC 3339 timestamp string or epoch milliseconds"
	msgTrailing       = "unexpected data after the request object"
)

const (
	fieldRequest        = "request"
	fieldServiceVersion = "service_version"
	fieldEvents         = "events"
)

// maxEpochMillis is the last millisecond representable in int64 nanoseconds (year 2262).
const maxEpochMillis = math.MaxInt64 / int64(time.Millisecond)

// compactDecoder parses one request body. It is not safe for concurrent use.
type compactDecoder struct {
	lexer
	lim *LimitsConfig

	// interned holds the short strings of this request (names, keys, enum-like
	// values repeat across its events), so each is allocated once per request.
	interned map[string]string
}

const (
	maxInternLen     = 64
	maxInternEntries = 256
)

// intern returns b as a string, sharing the allocation with earlier equal
// short strings of the same request.
func (d *compactDecoder) intern(b []byte) string {
	if len(b) > maxInternLen {
		return string(b)
	}
	if s, ok := d.interned[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if d.interned == nil {
		d.interned = make(map[string]string, 32)
	}
	if len(d.interned) < maxInternEntries {
		d.interned[s] = s
	}
	return s
}

// decodeCompact parses data into one ResourceLogs (resource service.version,
// scope scopeName) appended to ld, and returns the number of events. The
// pipeline stamps service.name and the observed time afterwards, as for OTLP.
// On error ld may hold a partial result and must be discarded by the caller.
func decodeCompact(data []byte, lim *LimitsConfig, scopeName string, ld plog.Logs) (int, *compactError) {
	d := compactDecoder{lexer: lexer{data: data}, lim: lim}
	rl := ld.ResourceLogs().AppendEmpty()
	res := rl.Resource()
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(scopeName)
	records := sl.LogRecords()

	var seenVersion, seenEvents bool
	n := 0
	err := d.object(func(key []byte, _ int) error {
		switch string(key) {
		case "service_version":
			if seenVersion {
				return reqErr(fieldServiceVersion, msgDuplicateField)
			}
			seenVersion = true
			v, err := d.readStringValue()
			if err != nil {
				return at(err, fieldServiceVersion)
			}
			if !d.lim.valueOK(len(v)) {
				return reqErr(fieldServiceVersion, msgValueTooLong)
			}
			if len(v) > 0 {
				res.Attributes().PutStr("service.version", string(v))
			}
		case "events":
			if seenEvents {
				return reqErr(fieldEvents, msgDuplicateField)
			}
			seenEvents = true
			var err error
			n, err = d.readEvents(records)
			return err
		default:
			return reqErr(fieldRequest, msgUnknownField)
		}
		return nil
	})
	switch {
	case err != nil:
		return 0, at(err, fieldRequest)
	case !d.end():
		return 0, reqErr(fieldRequest, msgTrailing)
	case !seenEvents:
		return 0, reqErr(fieldEvents, msgRequired)
	}
	return n, nil
}

func reqErr(field, msg string) *compactError {
	return &compactError{Field: field, Msg: msg, Index: -1}
}

// at gives a position-less error (msgError) its request-level field; an error
// that already has a position is kept.
func at(err error, field string) *compactError {
	if ce, ok := err.(*compactError); ok {
		return ce
	}
	return reqErr(field, err.Error())
}

// eventAt is at for a field of event i (sub "" for the event itself). The
// field path is built only here, on the error path.
func eventAt(err error, i int, sub string) *compactError {
	if ce, ok := err.(*compactError); ok {
		return ce
	}
	f := "events[" + strconv.Itoa(i) + "]"
	if sub != "" {
		f += "." + sub
	}
	return &compactError{Field: f, Msg: err.Error(), Index: i}
}

func (d *compactDecoder) readEvents(records plog.LogRecordSlice) (int, error) {
	n := 0
	err := d.array(func(i int) error {
		if !d.lim.eventsOK(i + 1) {
			return &compactError{Field: fieldEvents, Msg: msgTooManyEvents, Index: i}
		}
		if err := d.readEvent(i, records.AppendEmpty()); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return 0, at(err, fieldEvents)
	}
	return n, nil
}

func (d *compactDecoder) readEvent(i int, lr plog.LogRecord) error {
	var seenName, seenTime, seenAttrs bool
	err := d.object(func(key []byte, _ int) error {
		switch string(key) {
		case "name":
			if seenName {
				return eventAt(msgError(msgDuplicateField), i, "name")
			}
			seenName = true
			v, err := d.readStringValue()
			switch {
			case err != nil:
				return eventAt(err, i, "name")
			case len(v) == 0:
				return eventAt(msgError(msgEmpty), i, "name")
			case !d.lim.keyOK(len(v)):
				return eventAt(msgError(msgNameTooLong), i, "name")
			}
			lr.SetEventName(d.intern(v))
		case "time":
			if seenTime {
				return eventAt(msgError(msgDuplicateField), i, "time")
			}
			seenTime = true
			ts, err := d.readTime()
			if err != nil {
				return eventAt(err, i, "time")
			}
			lr.SetTimestamp(ts)
		case "attributes":
			if seenAttrs {
				return eventAt(msgError(msgDuplicateField), i, "attributes")
			}
			seenAttrs = true
			if err := d.readAttributes(lr.Attributes()); err != nil {
				return eventAt(err, i, "attributes")
			}
		default:
			return eventAt(msgError(msgUnknownField), i, "")
		}
		return nil
	})
	if err != nil {
		return eventAt(err, i, "")
	}
	if !seenName {
		return eventAt(msgError(msgRequired), i, "name")
	}
	return nil
}

// readStringValue reads a value that must be a string.
func (d *compactDecoder) readStringValue() ([]byte, error) {
	if d.peek() != '"' {
		return nil, msgError(msgNotString)
	}
	return d.readString()
}

func (d *compactDecoder) readTime() (pcommon.Timestamp, error) {
	switch c := d.peek(); {
	case c == '"':
		v, err := d.readString()
		if err != nil {
			return 0, err
		}
		t, perr := time.Parse(time.RFC3339Nano, string(v))
		if perr != nil {
			return 0, msgError(msgBadTime)
		}
		ns := t.UnixNano()
		// UnixNano is undefined outside int64 nanoseconds; check via seconds.
		if t.Unix() < 0 || t.Unix() > math.MaxInt64/int64(time.Second)-1 || ns < 0 {
			return 0, msgError(msgBadTime)
		}
		return pcommon.Timestamp(ns), nil
	case c == '-' || (c >= '0' && c <= '9'):
		num, isInt, err := d.readNumber()
		if err != nil {
			return 0, err
		}
		if !isInt {
			return 0, msgError(msgBadTime)
		}
		ms, perr := strconv.ParseInt(string(num), 10, 64)
		if perr != nil || ms < 0 || ms > maxEpochMillis {
			return 0, msgError(msgBadTime)
		}
		return pcommon.Timestamp(ms * int64(time.Millisecond)), nil
	default:
		return 0, msgError(msgBadTime)
	}
}

// readAttributes reads a flat object of scalar values into m.
func (d *compactDecoder) readAttributes(m pcommon.Map) error {
	if d.peek() != '{' {
		return msgError(msgNotObject)
	}
	return d.object(func(key []byte, i int) error {
		switch {
		case !d.lim.attributesOK(i + 1):
			return msgError(msgTooManyAttrs)
		case len(key) == 0:
			return msgError(msgEmptyKey)
		case !d.lim.keyOK(len(key)):
			return msgError(msgKeyTooLong)
		}
		k := d.intern(key)
		if i == 0 {
			m.EnsureCapacity(4) // typical events carry 3-6 attributes
		} else if _, dup := m.Get(k); dup {
			return msgError(msgDuplicateKey)
		}
		return d.readScalar(m, k)
	})
}

// readScalar reads a string, number or boolean value into m[k].
func (d *compactDecoder) readScalar(m pcommon.Map, k string) error {
	switch c := d.peek(); {
	case c == '"':
		v, err := d.readString()
		if err != nil {
			return err
		}
		if !d.lim.valueOK(len(v)) {
			return msgError(msgValueTooLong)
		}
		m.PutStr(k, d.intern(v))
	case c == 't' || c == 'f':
		if !d.literal("true") && !d.literal("false") {
			return msgError(msgInvalidJSON)
		}
		m.PutBool(k, c == 't')
	case c == '-' || (c >= '0' && c <= '9'):
		num, isInt, err := d.readNumber()
		if err != nil {
			return err
		}
		if isInt {
			if iv, perr := strconv.ParseInt(string(num), 10, 64); perr == nil {
				m.PutInt(k, iv)
				return nil
			}
		}
		fv, perr := strconv.ParseFloat(string(num), 64)
		if perr != nil || math.IsInf(fv, 0) {
			return msgError(msgNumberRange)
		}
		m.PutDouble(k, fv)
	case c == 'n' || c == '{' || c == '[':
		return msgError(msgScalarOnly)
	default:
		return msgError(msgInvalidJSON)
	}
	return nil
}
