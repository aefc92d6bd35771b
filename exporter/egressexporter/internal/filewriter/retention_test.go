package filewriter

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetention(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	w, err := New(Options{Path: path, Retention: 48 * time.Hour, Now: clk.Now})
	require.NoError(t, err)
	for _, line := range []string{"day0", "day1", "day2"} {
		_, err = w.WriteLine([]byte(line))
		require.NoError(t, err)
		rotate(t, w)
		clk.Advance(24 * time.Hour)
	}
	// Someone else's file in the same directory is never touched.
	foreign := filepath.Join(dir, "events-notatime.jsonl")
	require.NoError(t, os.WriteFile(foreign, []byte("x\n"), FileMode))

	// Now: day0 rotated 72h ago, day1 48h ago, day2 24h ago.
	require.NoError(t, w.Mill())
	files, err := w.RotatedFiles()
	require.NoError(t, err)
	require.Len(t, files, 2)
	assert.Equal(t, []string{"day1"}, readFileLines(t, files[0].Path))
	assert.Equal(t, []string{"day2"}, readFileLines(t, files[1].Path))
	assert.FileExists(t, foreign)

	clk.Advance(time.Second)
	require.NoError(t, w.Mill())
	files, err = w.RotatedFiles()
	require.NoError(t, err)
	require.Len(t, files, 1)
	require.NoError(t, w.Close())
}
