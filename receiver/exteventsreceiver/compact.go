// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The compact format of /v1/events:
//
//	{"service_version":"3.2.1","events":[{"name":"ui.interaction","time":"2026-11-28T10:00:00Z",
//	  "attributes":{"ui.surface":"popup","ui.action":"click"}}]}
//
// It is decoded by a purpose-built single-pass parser rather than encoding/json:
// the shape is fixed (so nesting is bounded by construction), and the parser
// rejects what encoding/json lets through silently (invalid UTF-8, duplicate
// keys, unknown fields) and enforces the limits while reading. It writes straight
// into pdata, so a valid request costs one pass and no intermediate structs.

// decodeLimits are the limits the compact decoder enforces.
type decodeLimits struct {
	maxEvents     int
	maxAttributes int
	maxKeyLen     int
	maxValueLen   int
}

// compactError describes why a compact request was rejected. Its text never
// contains anything from the request except structural positions (field path,
// event index): no keys, no values.
type compactError struct {
	Field string // e.g. "events[3].attributes"
	Msg   string // e.g. "value must be a string, number or boolean"
	Index int    // event index, -1 when the error is not about one event
}

func (e *compactError) Error() string { return e.Field + ": " + e.Msg }

// Messages are constants so that no request content can reach them.
const (
	msgInvalidJSON    = "invalid JSON"
	msgInvalidUTF8    = "invalid UTF-8 in string"
	msgNotObject      = "must be an object"
	msgNotArray       = "must be an array"
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
	data []byte
	pos  int
	lim  decodeLimits
	buf  []byte // scratch for strings with escapes

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

// decodeCompact parses data and appends one ResourceLogs to ld. On error ld may
// hold a partial result and must be discarded by the caller.
func decodeCompact(data []byte, lim decodeLimits, serviceName string, scopeName string, observed pcommon.Timestamp, ld plog.Logs) (int, *compactError) {
	d := compactDecoder{data: data, lim: lim}
	rl := ld.ResourceLogs().AppendEmpty()
	res := rl.Resource()
	res.Attributes().PutStr("service.name", serviceName)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(scopeName)
	records := sl.LogRecords()

	d.skipWS()
	if !d.consume('{') {
		return 0, reqErr(fieldRequest, msgNotObject)
	}
	var seenVersion, seenEvents bool
	n := 0
	first := true
	for {
		d.skipWS()
		if d.consume('}') {
			break
		}
		if !first && !d.consume(',') {
			return 0, reqErr(fieldRequest, msgInvalidJSON)
		}
		first = false
		d.skipWS()
		key, ok, bad := d.readKey()
		if !ok {
			return 0, reqErr(fieldRequest, bad)
		}
		switch string(key) {
		case "service_version":
			if seenVersion {
				return 0, reqErr(fieldServiceVersion, msgDuplicateField)
			}
			seenVersion = true
			d.skipWS()
			if d.peek() != '"' {
				return 0, reqErr(fieldServiceVersion, msgNotString)
			}
			v, msg := d.readString()
			if msg != "" {
				return 0, reqErr(fieldServiceVersion, msg)
			}
			if len(v) > d.lim.maxValueLen {
				return 0, reqErr(fieldServiceVersion, msgValueTooLong)
			}
			if len(v) > 0 {
				res.Attributes().PutStr("service.version", string(v))
			}
		case "events":
			if seenEvents {
				return 0, reqErr(fieldEvents, msgDuplicateField)
			}
			seenEvents = true
			var err *compactError
			if n, err = d.readEvents(records, observed); err != nil {
				return 0, err
			}
		default:
			return 0, reqErr(fieldRequest, msgUnknownField)
		}
	}
	d.skipWS()
	if d.pos != len(d.data) {
		return 0, reqErr(fieldRequest, msgTrailing)
	}
	if !seenEvents {
		return 0, reqErr(fieldEvents, msgRequired)
	}
	return n, nil
}

func reqErr(field, msg string) *compactError {
	return &compactError{Field: field, Msg: msg, Index: -1}
}

func eventErr(i int, sub, msg string) *compactError {
	f := "events[" + strconv.Itoa(i) + "]"
	if sub != "" {
		f += "." + sub
	}
	return &compactError{Field: f, Msg: msg, Index: i}
}

func (d *compactDecoder) readEvents(records plog.LogRecordSlice, observed pcommon.Timestamp) (int, *compactError) {
	d.skipWS()
	if !d.consume('[') {
		return 0, reqErr(fieldEvents, msgNotArray)
	}
	n := 0
	for {
		d.skipWS()
		if d.consume(']') {
			return n, nil
		}
		if n > 0 && !d.consume(',') {
			return 0, reqErr(fieldEvents, msgInvalidJSON)
		}
		if n >= d.lim.maxEvents {
			return 0, &compactError{Field: fieldEvents, Msg: msgTooManyEvents, Index: n}
		}
		lr := records.AppendEmpty()
		lr.SetObservedTimestamp(observed)
		if err := d.readEvent(n, lr); err != nil {
			return 0, err
		}
		n++
	}
}

func (d *compactDecoder) readEvent(i int, lr plog.LogRecord) *compactError {
	d.skipWS()
	if !d.consume('{') {
		return eventErr(i, "", msgNotObject)
	}
	var seenName, seenTime, seenAttrs bool
	first := true
	for {
		d.skipWS()
		if d.consume('}') {
			break
		}
		if !first && !d.consume(',') {
			return eventErr(i, "", msgInvalidJSON)
		}
		first = false
		d.skipWS()
		key, ok, bad := d.readKey()
		if !ok {
			return eventErr(i, "", bad)
		}
		d.skipWS()
		switch string(key) {
		case "name":
			if seenName {
				return eventErr(i, "name", msgDuplicateField)
			}
			seenName = true
			if d.peek() != '"' {
				return eventErr(i, "name", msgNotString)
			}
			v, msg := d.readString()
			if msg != "" {
				return eventErr(i, "name", msg)
			}
			if len(v) == 0 {
				return eventErr(i, "name", msgEmpty)
			}
			if len(v) > d.lim.maxKeyLen {
				return eventErr(i, "name", msgNameTooLong)
			}
			lr.SetEventName(d.intern(v))
		case "time":
			if seenTime {
				return eventErr(i, "time", msgDuplicateField)
			}
			seenTime = true
			ts, msg := d.readTime()
			if msg != "" {
				return eventErr(i, "time", msg)
			}
			lr.SetTimestamp(ts)
		case "attributes":
			if seenAttrs {
				return eventErr(i, "attributes", msgDuplicateField)
			}
			seenAttrs = true
			if msg := d.readAttributes(lr.Attributes()); msg != "" {
				return eventErr(i, "attributes", msg)
			}
		default:
			return eventErr(i, "", msgUnknownField)
		}
	}
	if !seenName {
		return eventErr(i, "name", msgRequired)
	}
	return nil
}

func (d *compactDecoder) readTime() (pcommon.Timestamp, string) {
	switch c := d.peek(); {
	case c == '"':
		v, msg := d.readString()
		if msg != "" {
			return 0, msg
		}
		t, err := time.Parse(time.RFC3339Nano, string(v))
		if err != nil {
			return 0, msgBadTime
		}
		ns := t.UnixNano()
		// UnixNano is undefined outside int64 nanoseconds; check via seconds.
		if t.Unix() < 0 || t.Unix() > math.MaxInt64/int64(time.Second)-1 || ns < 0 {
			return 0, msgBadTime
		}
		return pcommon.Timestamp(ns), ""
	case c == '-' || (c >= '0' && c <= '9'):
		num, isInt, ok := d.readNumber()
		if !ok {
			return 0, msgInvalidJSON
		}
		if !isInt {
			return 0, msgBadTime
		}
		ms, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || ms < 0 || ms > maxEpochMillis {
			return 0, msgBadTime
		}
		return pcommon.Timestamp(ms * int64(time.Millisecond)), ""
	default:
		return 0, msgBadTime
	}
}

// readAttributes reads a flat object of scalar values into m. It returns a
// message (one of the msg constants) or "".
func (d *compactDecoder) readAttributes(m pcommon.Map) string {
	if !d.consume('{') {
		return msgNotObject
	}
	count := 0
	for {
		d.skipWS()
		if d.consume('}') {
			return ""
		}
		if count > 0 && !d.consume(',') {
			return msgInvalidJSON
		}
		d.skipWS()
		if count >= d.lim.maxAttributes {
			return msgTooManyAttrs
		}
		key, ok, bad := d.readKey()
		if !ok {
			return bad
		}
		if len(key) == 0 {
			return msgEmptyKey
		}
		if len(key) > d.lim.maxKeyLen {
			return msgKeyTooLong
		}
		k := d.intern(key)
		if count == 0 {
			m.EnsureCapacity(4) // typical events carry 3-6 attributes
		} else if _, dup := m.Get(k); dup {
			return msgDuplicateKey
		}
		d.skipWS()
		switch c := d.peek(); {
		case c == '"':
			v, msg := d.readString()
			if msg != "" {
				return msg
			}
			if len(v) > d.lim.maxValueLen {
				return msgValueTooLong
			}
			m.PutStr(k, d.intern(v))
		case c == 't':
			if !d.literal("true") {
				return msgInvalidJSON
			}
			m.PutBool(k, true)
		case c == 'f':
			if !d.literal("false") {
				return msgInvalidJSON
			}
			m.PutBool(k, false)
		case c == '-' || (c >= '0' && c <= '9'):
			num, isInt, ok := d.readNumber()
			if !ok {
				return msgInvalidJSON
			}
			if isInt {
				if iv, err := strconv.ParseInt(string(num), 10, 64); err == nil {
					m.PutInt(k, iv)
					break
				}
			}
			fv, err := strconv.ParseFloat(string(num), 64)
			if err != nil || math.IsInf(fv, 0) {
				return msgNumberRange
			}
			m.PutDouble(k, fv)
		case c == 'n' || c == '{' || c == '[':
			return msgScalarOnly
		default:
			return msgInvalidJSON
		}
		count++
	}
}

func (d *compactDecoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *compactDecoder) consume(c byte) bool {
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

func (d *compactDecoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *compactDecoder) literal(lit string) bool {
	if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
		d.pos += len(lit)
		return true
	}
	return false
}

// readKey reads an object key and the colon after it. The returned bytes are
// only valid until the next string is read.
func (d *compactDecoder) readKey() ([]byte, bool, string) {
	if d.peek() != '"' {
		return nil, false, msgInvalidJSON
	}
	k, msg := d.readString()
	if msg != "" {
		return nil, false, msg
	}
	d.skipWS()
	if !d.consume(':') {
		return nil, false, msgInvalidJSON
	}
	return k, true, ""
}

// readString reads a JSON string at d.pos (which must be '"'). The returned
// bytes alias the input or the scratch buffer and are valid until the next call.
func (d *compactDecoder) readString() ([]byte, string) {
	d.pos++ // opening quote
	start := d.pos
	ascii := true
	// Fast path: no escapes.
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			s := d.data[start:d.pos]
			d.pos++
			if !ascii && !utf8.Valid(s) {
				return nil, msgInvalidUTF8
			}
			return s, ""
		case c == '\\':
			return d.readEscapedString(start)
		case c < 0x20:
			return nil, msgInvalidJSON
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.pos++
	}
	return nil, msgInvalidJSON
}

func (d *compactDecoder) readEscapedString(start int) ([]byte, string) {
	buf := append(d.buf[:0], d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.buf = buf
			if !utf8.Valid(buf) {
				return nil, msgInvalidUTF8
			}
			return buf, ""
		case c < 0x20:
			return nil, msgInvalidJSON
		case c != '\\':
			buf = append(buf, c)
			d.pos++
			continue
		}
		// escape
		d.pos++
		if d.pos >= len(d.data) {
			return nil, msgInvalidJSON
		}
		e := d.data[d.pos]
		d.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := d.readHex4()
			if !ok {
				return nil, msgInvalidJSON
			}
			if utf16.IsSurrogate(r) {
				// A high surrogate must be followed by an escaped low one; a lone
				// surrogate is not valid UTF-8 text, so it is rejected.
				if r >= 0xDC00 || !d.literal(`\u`) {
					return nil, msgInvalidUTF8
				}
				r2, ok := d.readHex4()
				if !ok {
					return nil, msgInvalidJSON
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return nil, msgInvalidUTF8
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return nil, msgInvalidJSON
		}
	}
	return nil, msgInvalidJSON
}

func (d *compactDecoder) readHex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	d.pos += 4
	return r, true
}

// readNumber scans a JSON number (RFC 8259 grammar) and reports whether it is
// an integer literal (no fraction, no exponent).
func (d *compactDecoder) readNumber() ([]byte, bool, bool) {
	start := d.pos
	isInt := true
	d.consume('-')
	switch {
	case d.consume('0'):
	case d.pos < len(d.data) && d.data[d.pos] >= '1' && d.data[d.pos] <= '9':
		d.digits()
	default:
		return nil, false, false
	}
	if d.consume('.') {
		isInt = false
		if d.digits() == 0 {
			return nil, false, false
		}
	}
	if d.consume('e') || d.consume('E') {
		isInt = false
		if !d.consume('+') {
			d.consume('-')
		}
		if d.digits() == 0 {
			return nil, false, false
		}
	}
	return d.data[start:d.pos], isInt, true
}

func (d *compactDecoder) digits() int {
	n := 0
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		d.pos++
		n++
	}
	return n
}
