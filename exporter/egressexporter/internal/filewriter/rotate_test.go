package filewriter

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rotate rotates w now, as a size or age trigger would.
func rotate(t *testing.T, w *Writer) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	require.NoError(t, w.rotateLocked())
}

func TestSizeRotation(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	rotations := 0
	w, err := New(Options{Path: path, MaxBytes: 20, Now: clk.Now, OnRotate: func() { rotations++ }})
	require.NoError(t, err)
	// 9-byte lines + newline = 10 bytes: two fit in 20.
	for i := range 5 {
		_, err = w.WriteLine(fmt.Appendf(nil, "line%05d", i))
		require.NoError(t, err)
		clk.Advance(time.Millisecond)
	}
	require.NoError(t, w.Close())
	assert.Equal(t, 2, rotations)

	files, err := w.RotatedFiles()
	require.NoError(t, err)
	require.Len(t, files, 2)
	var all []string
	for _, f := range files {
		assert.False(t, f.Compressed)
		st, err := os.Stat(f.Path)
		require.NoError(t, err)
		assert.LessOrEqual(t, st.Size(), int64(20))
		assert.Equal(t, FileMode, st.Mode().Perm())
		all = append(all, readFileLines(t, f.Path)...)
	}
	all = append(all, readFileLines(t, path)...)
	assert.Equal(t, []string{"line00000", "line00001", "line00002", "line00003", "line00004"}, all)
}

func TestOversizedLineIsWrittenWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	w, err := New(Options{Path: path, MaxBytes: 8})
	require.NoError(t, err)
	big := bytes.Repeat([]byte("x"), 100)
	_, err = w.WriteLine(big)
	require.NoError(t, err)
	_, err = w.WriteLine(big)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	files, err := w.RotatedFiles()
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, []string{string(big)}, readFileLines(t, files[0].Path))
	assert.Equal(t, []string{string(big)}, readFileLines(t, path))
}

func TestAgeRotation(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	w, err := New(Options{Path: path, MaxAge: time.Hour, Now: clk.Now})
	require.NoError(t, err)

	_, err = w.WriteLine([]byte("first"))
	require.NoError(t, err)
	clk.Advance(59 * time.Minute)
	require.NoError(t, w.RotateIfAged())
	_, err = w.WriteLine([]byte("second"))
	require.NoError(t, err)
	files, err := w.RotatedFiles()
	require.NoError(t, err)
	assert.Empty(t, files, "not yet an hour old")

	// On a write once the file is an hour old.
	clk.Advance(time.Minute)
	_, err = w.WriteLine([]byte("third"))
	require.NoError(t, err)
	files, err = w.RotatedFiles()
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, clk.Now(), files[0].RotatedAt)
	assert.Equal(t, []string{"first", "second"}, readFileLines(t, files[0].Path))

	// On the periodic check for an idle file.
	clk.Advance(time.Hour)
	require.NoError(t, w.RotateIfAged())
	files, err = w.RotatedFiles()
	require.NoError(t, err)
	require.Len(t, files, 2)
	assert.Equal(t, []string{"third"}, readFileLines(t, files[1].Path))

	// An empty active file is never rotated.
	clk.Advance(time.Hour)
	require.NoError(t, w.RotateIfAged())
	files, err = w.RotatedFiles()
	require.NoError(t, err)
	assert.Len(t, files, 2)
	require.NoError(t, w.Close())
}

func TestRotationNameCollision(t *testing.T) {
	clk := newClock() // frozen: every rotation has the same time
	path := filepath.Join(t.TempDir(), "events.jsonl")
	w, err := New(Options{Path: path, Compress: true, Now: clk.Now})
	require.NoError(t, err)
	for i := range 3 {
		_, err = w.WriteLine(fmt.Appendf(nil, "%d", i))
		require.NoError(t, err)
		rotate(t, w)
		require.NoError(t, w.Mill())
	}
	require.NoError(t, w.Close())
	files, err := w.RotatedFiles()
	require.NoError(t, err)
	require.Len(t, files, 3)
	var got []string
	for _, f := range files {
		got = append(got, readFileLines(t, f.Path)...)
	}
	assert.Equal(t, []string{"0", "1", "2"}, got, "oldest first")
}
