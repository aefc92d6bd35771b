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

func TestRetention(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	w, err := New(Options{Path: path, Retention: 48 * time.Hour, Now: clk.Now})
	require.NoError(t, err)
	for _, line := range []string{"day0", "day1", "day2"} {
		_, err = w.WriteLine([]byte(line))
		require.NoError(t, err)
		require.NoError(t, w.Rotate())
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

func TestRotationNameCollision(t *testing.T) {
	clk := newClock() // frozen: every rotation has the same time
	path := filepath.Join(t.TempDir(), "events.jsonl")
	w, err := New(Options{Path: path, Compress: true, Now: clk.Now})
	require.NoError(t, err)
	for i := range 3 {
		_, err = w.WriteLine(fmt.Appendf(nil, "%d", i))
		require.NoError(t, err)
		require.NoError(t, w.Rotate())
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
	assert.ElementsMatch(t, []string{"0", "1", "2"}, got)
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
