package filewriter

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompression(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	w, err := New(Options{Path: path, Compress: true, MaxBytes: 64, Now: clk.Now})
	require.NoError(t, err)
	var want []string
	for i := range 20 {
		line := fmt.Sprintf(`{"n":%d}`, i)
		want = append(want, line)
		_, err = w.WriteLine([]byte(line))
		require.NoError(t, err)
		clk.Advance(time.Millisecond)
	}
	require.NoError(t, w.Close())
	files, err := w.RotatedFiles()
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var got []string
	for _, f := range files {
		require.True(t, f.Compressed, f.Path)
		st, err := os.Stat(f.Path)
		require.NoError(t, err)
		assert.Equal(t, FileMode, st.Mode().Perm())
		got = append(got, readFileLines(t, f.Path)...)
	}
	got = append(got, readFileLines(t, path)...)
	assert.Equal(t, want, got)
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".tmp")
	}
}
