package filewriter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRotatedName(t *testing.T) {
	ts := time.Date(2026, 11, 28, 10, 0, 0, 5, time.UTC)
	stamp := ts.Format(timeFormat)
	tests := []struct {
		name       string
		ok         bool
		compressed bool
	}{
		{"events-" + stamp + ".jsonl", true, false},
		{"events-" + stamp + ".jsonl.gz", true, true},
		{"events-" + stamp + "-2.jsonl", true, false},
		{"events-" + stamp + "-2.jsonl.gz", true, true},
		{"events-" + stamp + ".jsonl.gz.tmp", false, false},
		{"events-" + stamp + "-0.jsonl", false, false},
		{"events-" + stamp + "-02.jsonl", false, false},
		{"events-" + stamp + "-x.jsonl", false, false},
		{"events.jsonl", false, false},
		{"events-notatime.jsonl", false, false},
		{"other-" + stamp + ".jsonl", false, false},
		{"events-" + stamp + ".log", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, compressed, ok := parseRotatedName(tt.name, "events-", ".jsonl")
			require.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, ts, got)
				assert.Equal(t, tt.compressed, compressed)
			}
		})
	}
}

// FuzzParseRotatedName: the parser never panics, and whatever it accepts is
// exactly a name the writer could have produced (so retention never deletes
// a file that is not ours).
func FuzzParseRotatedName(f *testing.F) {
	f.Add("events-20261128T100000.000000000Z.jsonl")
	f.Add("events-20261128T100000.000000000Z-3.jsonl.gz")
	f.Add("events-.jsonl")
	f.Add("events--1.jsonl")
	f.Add("events-20261128T100000.000000000Z.jsonl.gz.tmp")
	f.Fuzz(func(t *testing.T, name string) {
		ts, compressed, ok := parseRotatedName(name, "events-", ".jsonl")
		if !ok {
			return
		}
		w := &Writer{opts: Options{Path: filepath.Join("d", "events.jsonl")}}
		_, prefix, ext := w.prefixExt()
		rebuilt := prefix + ts.UTC().Format(timeFormat)
		if len(name) > len(rebuilt) && name[len(rebuilt)] == '-' {
			// keep the collision counter as given
			end := len(name) - len(ext)
			if compressed {
				end -= len(gzExt)
			}
			rebuilt = name[:end]
		}
		rebuilt += ext
		if compressed {
			rebuilt += gzExt
		}
		if rebuilt != name {
			t.Fatalf("accepted %q, which the writer would name %q", name, rebuilt)
		}
	})
}
