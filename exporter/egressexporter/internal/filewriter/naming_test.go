package filewriter

import (
	"os"
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
		{"events-" + stamp + "-12.jsonl", true, false},
		{"events-" + stamp + ".jsonl.gz.tmp", false, false},
		{"events-" + stamp + "-0.jsonl", false, false},
		{"events-" + stamp + "-02.jsonl", false, false},
		{"events-" + stamp + "-x.jsonl", false, false},
		{"events.jsonl", false, false},
		{"events-notatime.jsonl", false, false},
		{"other-" + stamp + ".jsonl", false, false},
		{"events-" + stamp + ".log", false, false},
	}
	n := newNaming(filepath.Join("d", "events.jsonl"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, compressed, ok := n.parse(tt.name)
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
	n := newNaming(filepath.Join("d", "events.jsonl"))
	f.Fuzz(func(t *testing.T, name string) {
		ts, counter, compressed, ok := n.parse(name)
		if !ok {
			return
		}
		rebuilt := n.name(ts.UTC().Format(timeFormat), counter)
		if compressed {
			rebuilt += gzExt
		}
		if rebuilt != name {
			t.Fatalf("accepted %q, which the writer would name %q", name, rebuilt)
		}
	})
}

// Same-tick rotations are listed in the order they happened: the first
// (no counter), then -1, -2, ..., -10 (not in name order).
func TestRotatedFilesOrderWithinOneTick(t *testing.T) {
	dir := t.TempDir()
	n := newNaming(filepath.Join(dir, "events.jsonl"))
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	var want []string
	for range 12 {
		p := n.rotated(at)
		require.NoError(t, os.WriteFile(p, nil, FileMode))
		want = append(want, p)
	}
	later := n.rotated(at.Add(time.Nanosecond))
	require.NoError(t, os.WriteFile(later, nil, FileMode))
	want = append(want, later)

	files, err := n.list()
	require.NoError(t, err)
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
	}
	assert.Equal(t, want, got)
}
