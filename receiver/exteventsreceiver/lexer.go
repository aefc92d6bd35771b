// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"unicode/utf16"
	"unicode/utf8"
)

// lexer is a small strict JSON (RFC 8259) lexer over a byte slice. It knows
// nothing of the event format: compact.go walks the format with its object and
// array iterators and reads scalars with its read* methods. Strings are
// returned as views into the input (or into one scratch buffer when they hold
// escapes), valid until the next string is read, so a caller copies what it
// keeps. It rejects invalid UTF-8 and lone surrogates.
//
// encoding/json/jsontext was measured as the alternative and not chosen: in
// Go 1.26 it exists only with GOEXPERIMENT=jsonv2 (the distribution is built by
// ocb without it), and walking the benchmark request with its tokens alone took
// 1.4-2.3x the time of this lexer and the pdata writes together, with 1.7x the
// bytes and 1.6x the allocations (README, "The compact format").
type lexer struct {
	data []byte
	pos  int
	buf  []byte // scratch for strings with escapes
}

// msgError is a problem found at the current position, without the position:
// the format layer (compact.go) adds the field it was reading. Its text is one
// of the fixed msg constants, never request content.
type msgError string

func (e msgError) Error() string { return string(e) }

// Lexer messages (fixed texts).
const (
	msgInvalidJSON = "invalid JSON"
	msgInvalidUTF8 = "invalid UTF-8 in string"
	msgNotObject   = "must be an object"
	msgNotArray    = "must be an array"
)

// object reads the JSON object at the current position. For each member it
// reads the key and the ':' and calls member with the key (valid only until
// member reads a string) and the member's index; member must read the value.
// It returns the first error: member's, or a msgError for the object's own
// syntax. This is the one member loop of the package.
func (l *lexer) object(member func(key []byte, i int) error) error {
	l.skipWS()
	if !l.consume('{') {
		return msgError(msgNotObject)
	}
	for i := 0; ; i++ {
		l.skipWS()
		if l.consume('}') {
			return nil
		}
		if i > 0 {
			if !l.consume(',') {
				return msgError(msgInvalidJSON)
			}
			l.skipWS()
		}
		if l.peek() != '"' {
			return msgError(msgInvalidJSON)
		}
		key, err := l.readString()
		if err != nil {
			return err
		}
		l.skipWS()
		if !l.consume(':') {
			return msgError(msgInvalidJSON)
		}
		l.skipWS()
		if err := member(key, i); err != nil {
			return err
		}
	}
}

// array reads the JSON array at the current position, calling elem for each
// element (after leading whitespace) with its index; elem must read the value.
func (l *lexer) array(elem func(i int) error) error {
	l.skipWS()
	if !l.consume('[') {
		return msgError(msgNotArray)
	}
	for i := 0; ; i++ {
		l.skipWS()
		if l.consume(']') {
			return nil
		}
		if i > 0 {
			if !l.consume(',') {
				return msgError(msgInvalidJSON)
			}
			l.skipWS()
		}
		if err := elem(i); err != nil {
			return err
		}
	}
}

// end reports whether only whitespace is left.
func (l *lexer) end() bool {
	l.skipWS()
	return l.pos == len(l.data)
}

func (l *lexer) peek() byte {
	if l.pos < len(l.data) {
		return l.data[l.pos]
	}
	return 0
}

func (l *lexer) consume(c byte) bool {
	if l.pos < len(l.data) && l.data[l.pos] == c {
		l.pos++
		return true
	}
	return false
}

func (l *lexer) skipWS() {
	for l.pos < len(l.data) {
		switch l.data[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

// literal consumes lit (true, false, null) if it is next.
func (l *lexer) literal(lit string) bool {
	if len(l.data)-l.pos >= len(lit) && string(l.data[l.pos:l.pos+len(lit)]) == lit {
		l.pos += len(lit)
		return true
	}
	return false
}

// readString reads the JSON string at the current position (which must be
// '"'). The result aliases the input or the scratch buffer.
func (l *lexer) readString() ([]byte, error) {
	l.pos++ // opening quote
	start := l.pos
	ascii := true
	// Fast path: no escapes.
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case c == '"':
			s := l.data[start:l.pos]
			l.pos++
			if !ascii && !utf8.Valid(s) {
				return nil, msgError(msgInvalidUTF8)
			}
			return s, nil
		case c == '\\':
			return l.readEscapedString(start)
		case c < 0x20:
			return nil, msgError(msgInvalidJSON)
		case c >= utf8.RuneSelf:
			ascii = false
		}
		l.pos++
	}
	return nil, msgError(msgInvalidJSON)
}

func (l *lexer) readEscapedString(start int) ([]byte, error) {
	buf := append(l.buf[:0], l.data[start:l.pos]...)
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case c == '"':
			l.pos++
			l.buf = buf
			if !utf8.Valid(buf) {
				return nil, msgError(msgInvalidUTF8)
			}
			return buf, nil
		case c < 0x20:
			return nil, msgError(msgInvalidJSON)
		case c != '\\':
			buf = append(buf, c)
			l.pos++
			continue
		}
		// escape
		l.pos++
		if l.pos >= len(l.data) {
			return nil, msgError(msgInvalidJSON)
		}
		e := l.data[l.pos]
		l.pos++
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
			r, ok := l.readHex4()
			if !ok {
				return nil, msgError(msgInvalidJSON)
			}
			if utf16.IsSurrogate(r) {
				// A high surrogate must be followed by an escaped low one; a lone
				// surrogate is not valid UTF-8 text, so it is rejected.
				if r >= 0xDC00 || !l.literal(`\u`) {
					return nil, msgError(msgInvalidUTF8)
				}
				r2, ok := l.readHex4()
				if !ok {
					return nil, msgError(msgInvalidJSON)
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return nil, msgError(msgInvalidUTF8)
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return nil, msgError(msgInvalidJSON)
		}
	}
	return nil, msgError(msgInvalidJSON)
}

func (l *lexer) readHex4() (rune, bool) {
	if len(l.data)-l.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range l.data[l.pos : l.pos+4] {
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
	l.pos += 4
	return r, true
}

// readNumber scans a JSON number (RFC 8259 grammar) and reports whether it is
// an integer literal (no fraction, no exponent).
func (l *lexer) readNumber() (num []byte, isInt bool, err error) {
	start := l.pos
	isInt = true
	l.consume('-')
	switch {
	case l.consume('0'):
	case l.pos < len(l.data) && l.data[l.pos] >= '1' && l.data[l.pos] <= '9':
		l.digits()
	default:
		return nil, false, msgError(msgInvalidJSON)
	}
	if l.consume('.') {
		isInt = false
		if l.digits() == 0 {
			return nil, false, msgError(msgInvalidJSON)
		}
	}
	if l.consume('e') || l.consume('E') {
		isInt = false
		if !l.consume('+') {
			l.consume('-')
		}
		if l.digits() == 0 {
			return nil, false, msgError(msgInvalidJSON)
		}
	}
	return l.data[start:l.pos], isInt, nil
}

func (l *lexer) digits() int {
	n := 0
	for l.pos < len(l.data) && l.data[l.pos] >= '0' && l.data[l.pos] <= '9' {
		l.pos++
		n++
	}
	return n
}
