// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

//go:build goexperiment.jsonv2

package exteventsreceiver

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"testing"
)

// BenchmarkJSONText is the measurement behind choosing lexer.go over
// encoding/json/jsontext (README, "Limits and memory"): the same compact
// request walked with jsontext tokens into plain structs, which is less work
// than the receiver's decoder does (no pdata, no limits, no interning).
//
//	GOEXPERIMENT=jsonv2 go test -run '^$' -bench 'JSONText|DecodeAndMap/compact' .
func BenchmarkJSONText(b *testing.B) {
	compact, _, _ := realisticPayloads(b, 50)
	b.SetBytes(int64(len(compact)))
	b.ReportAllocs()
	var out []jtEvent
	for b.Loop() {
		var err error
		if out, err = jsontextWalk(compact, out[:0]); err != nil || len(out) != 50 {
			b.Fatal(err, len(out))
		}
	}
}

type jtAttr struct {
	key  string
	kind jsontext.Kind
	str  string
	num  float64
	bool bool
}

type jtEvent struct {
	name  string
	time  int64
	attrs []jtAttr
}

var errShape = errors.New("unexpected shape")

func jsontextWalk(data []byte, out []jtEvent) ([]jtEvent, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	expect := func(k jsontext.Kind) error {
		t, err := dec.ReadToken()
		if err == nil && t.Kind() != k {
			err = errShape
		}
		return err
	}
	if err := expect('{'); err != nil {
		return nil, err
	}
	for dec.PeekKind() != '}' {
		k, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		switch k.String() {
		case "service_version":
			if err := expect('"'); err != nil {
				return nil, err
			}
		case "events":
			if err := expect('['); err != nil {
				return nil, err
			}
			for dec.PeekKind() != ']' {
				if err := expect('{'); err != nil {
					return nil, err
				}
				var ev jtEvent
				for dec.PeekKind() != '}' {
					k, err := dec.ReadToken()
					if err != nil {
						return nil, err
					}
					switch k.String() {
					case "name":
						t, err := dec.ReadToken()
						if err != nil {
							return nil, err
						}
						ev.name = t.String()
					case "time":
						t, err := dec.ReadToken()
						if err != nil {
							return nil, err
						}
						ev.time = t.Int()
					case "attributes":
						if err := expect('{'); err != nil {
							return nil, err
						}
						for dec.PeekKind() != '}' {
							kt, err := dec.ReadToken()
							if err != nil {
								return nil, err
							}
							a := jtAttr{key: kt.String()}
							vt, err := dec.ReadToken()
							if err != nil {
								return nil, err
							}
							a.kind = vt.Kind()
							switch a.kind {
							case '"':
								a.str = vt.String()
							case '0':
								a.num = vt.Float()
							case 't', 'f':
								a.bool = vt.Bool()
							default:
								return nil, errShape
							}
							ev.attrs = append(ev.attrs, a)
						}
						if err := expect('}'); err != nil {
							return nil, err
						}
					default:
						return nil, errShape
					}
				}
				if err := expect('}'); err != nil {
					return nil, err
				}
				out = append(out, ev)
			}
			if err := expect(']'); err != nil {
				return nil, err
			}
		default:
			return nil, errShape
		}
	}
	return out, expect('}')
}
