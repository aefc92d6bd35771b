// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The lexer's object iterator on its own: members in order with their
// index, the member's error passed through, the object's syntax errors as
// msgError.
func TestLexerObject(t *testing.T) {
	errStop := errors.New("stop")
	tests := []struct {
		name    string
		in      string
		stopAt  int // member index whose callback fails; -1: none
		keys    []string
		wantErr error
	}{
		{"empty", ` { } `, -1, nil, nil},
		{"members in order", `{"a":1, "b" : "x" ,"c":true}`, -1, []string{"a", "b", "c"}, nil},
		{"escaped key", `{"\u00e9\n":0}`, -1, []string{"é\n"}, nil},
		{"member error passes through", `{"a":1,"b":2,"c":3}`, 1, []string{"a", "b"}, errStop},
		{"not an object", `[1]`, -1, nil, msgError(msgNotObject)},
		{"empty input", ``, -1, nil, msgError(msgNotObject)},
		{"missing comma", `{"a":1 "b":2}`, -1, []string{"a"}, msgError(msgInvalidJSON)},
		{"trailing comma", `{"a":1,}`, -1, []string{"a"}, msgError(msgInvalidJSON)},
		{"unquoted key", `{a:1}`, -1, nil, msgError(msgInvalidJSON)},
		{"missing colon", `{"a" 1}`, -1, nil, msgError(msgInvalidJSON)},
		{"unterminated", `{"a":1`, -1, []string{"a"}, msgError(msgInvalidJSON)},
		{"invalid UTF-8 key", "{\"\xff\":1}", -1, nil, msgError(msgInvalidUTF8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lexer{data: []byte(tt.in)}
			var keys []string
			err := l.object(func(key []byte, i int) error {
				require.Equal(t, len(keys), i, "index")
				keys = append(keys, string(key))
				if i == tt.stopAt {
					return errStop
				}
				return readTestScalar(&l)
			})
			assert.Equal(t, tt.wantErr, err)
			assert.Equal(t, tt.keys, keys)
		})
	}
}

func TestLexerArray(t *testing.T) {
	tests := []struct {
		in      string
		n       int
		wantErr error
	}{
		{`[]`, 0, nil},
		{` [ 1 , 2,3 ] `, 3, nil},
		{`[1,]`, 2, msgError(msgInvalidJSON)}, // the element reader meets the closing bracket
		{`[1 2]`, 1, msgError(msgInvalidJSON)},
		{`{}`, 0, msgError(msgNotArray)},
		{`[1`, 1, msgError(msgInvalidJSON)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			l := lexer{data: []byte(tt.in)}
			n := 0
			err := l.array(func(i int) error {
				require.Equal(t, n, i)
				n++
				_, _, err := l.readNumber()
				return err
			})
			assert.Equal(t, tt.wantErr, err)
			assert.Equal(t, tt.n, n)
		})
	}
}

// readTestScalar reads the scalar values the object cases use.
func readTestScalar(l *lexer) error {
	switch c := l.peek(); {
	case c == '"':
		_, err := l.readString()
		return err
	case c == 't':
		if !l.literal("true") {
			return msgError(msgInvalidJSON)
		}
		return nil
	default:
		_, _, err := l.readNumber()
		return err
	}
}
