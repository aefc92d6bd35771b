package filewriter

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func readLines(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	require.NoError(t, sc.Err())
	return out
}

func readFileLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var r io.Reader = f
	if filepath.Ext(path) == ".gz" {
		zr, err := gzip.NewReader(f)
		require.NoError(t, err)
		defer zr.Close()
		r = zr
	}
	return readLines(t, r)
}

func TestModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "events.jsonl")
	w, err := New(Options{Path: path})
	require.NoError(t, err)
	_, err = w.WriteLine([]byte(`{"a":1}`))
	require.NoError(t, err)
	require.NoError(t, w.Close())

	st, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, DirMode, st.Mode().Perm())
	st, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, FileMode, st.Mode().Perm())
}

func TestExistingLooseFileIsTightened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))
	w, err := New(Options{Path: path})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, FileMode, st.Mode().Perm())
	assert.Equal(t, []string{"old"}, readFileLines(t, path))
}

func TestTornTailIsTerminatedOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	// What a power loss can leave: a whole line, then half of one.
	require.NoError(t, os.WriteFile(path, []byte("{\"ok\":1}\n{\"half"), FileMode))
	w, err := New(Options{Path: path})
	require.NoError(t, err)
	_, err = w.WriteLine([]byte(`{"ok":2}`))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	assert.Equal(t, []string{`{"ok":1}`, `{"half`, `{"ok":2}`}, readFileLines(t, path))
}

func TestTailSeesWholeLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	w, err := New(Options{Path: path})
	require.NoError(t, err)
	r, err := os.Open(path)
	require.NoError(t, err)
	defer r.Close()
	br := bufio.NewReader(r)
	for i := range 50 {
		_, err = w.WriteLine(fmt.Appendf(nil, `{"i":%d}`, i))
		require.NoError(t, err)
		// No flush needed: the line is already visible to a reader.
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("{\"i\":%d}\n", i), line)
	}
	require.NoError(t, w.Close())
}

func TestConcurrentWritersNeverInterleave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	w, err := New(Options{Path: path, MaxBytes: 4096})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				_, err := w.WriteLine(bytes.Repeat([]byte{byte('a' + g)}, 10+i%50))
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, w.Close())
	files, err := w.RotatedFiles()
	require.NoError(t, err)
	count := 0
	for _, p := range append(pathsOf(files), path) {
		for _, l := range readFileLines(t, p) {
			count++
			require.Equal(t, strings.Repeat(l[:1], len(l)), l, "interleaved line")
		}
	}
	assert.Equal(t, 800, count)
}

func pathsOf(files []Rotated) []string {
	out := make([]string, 0, len(files))
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func TestClosed(t *testing.T) {
	w, err := New(Options{Path: filepath.Join(t.TempDir(), "e.jsonl")})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, w.Close())
	_, err = w.WriteLine([]byte("x"))
	require.ErrorIs(t, err, ErrClosed)
}
