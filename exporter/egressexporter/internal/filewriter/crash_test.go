package filewriter

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const crashEnv = "EGRESS_FILEWRITER_CRASH_PATH"

// tickingClock returns a clock that advances one nanosecond per reading:
// every rotation gets a later name than the one before, whatever the wall
// clock does (a step back, a coarse tick), so name order is write order.
func tickingClock() func() time.Time {
	base := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	var n atomic.Int64
	return func() time.Time { return base.Add(time.Duration(n.Add(1))) }
}

// TestCrashHelper is the child of TestKilledWriterLeavesWholeLines: it writes
// JSON lines (with rotation) as fast as it can until it is killed.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	w, err := New(Options{Path: path, MaxBytes: 256 << 10, Now: tickingClock()})
	if err != nil {
		os.Exit(2)
	}
	pad := strings.Repeat("x", 2000)
	for i := 0; ; i++ {
		line := fmt.Sprintf(`{"seq":%d,"pad":%q}`, i, pad[:i%2000])
		if _, err := w.WriteLine([]byte(line)); err != nil {
			os.Exit(3)
		}
	}
}

// A writer killed with SIGKILL mid-stream. The kill lands at a moment the
// test does not choose, so the test names every state the writer can be left
// in and asserts the same outcome for each:
//   - mid-write: the kernel may stop a write(2) part way (a fatal signal
//     interrupts the copy), leaving a prefix of the line being written at the
//     end of the active file, never anywhere else;
//   - mid-rotation, after the rename and before the new active file exists:
//     there is no active file; every line is in a rotated file;
//   - anywhere else: the active file ends with a whole line (or is empty).
//
// In every state, reopening the path works (it creates a missing active file,
// terminates a torn fragment so it is one unparsable line a reader skips),
// every other line parses, in order, with no gaps, and the first line after
// the restart starts clean.
func TestKilledWriterLeavesWholeLines(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	for round := range 5 {
		t.Run(fmt.Sprint(round), func(t *testing.T) { killOnce(t) })
	}
}

func killOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	// If the test fails before the kill, the helper must not write on.
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })

	// Kill once it has rotated at least twice. The condition reads only the
	// rotated files: the active file may be missing for a moment (mid-rotation).
	dir := filepath.Dir(path)
	require.Eventually(t, func() bool {
		files, err := filepath.Glob(filepath.Join(dir, "events-*"))
		return err == nil && len(files) >= 2
	}, 60*time.Second, 5*time.Millisecond, "the helper writes and rotates")
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	<-exited

	data, err := os.ReadFile(path)
	activeMissing := errors.Is(err, fs.ErrNotExist)
	if !activeMissing {
		require.NoError(t, err)
	}
	torn := len(data) > 0 && data[len(data)-1] != '\n'
	t.Logf("after SIGKILL: active file missing %v, torn tail %v", activeMissing, torn)

	w, err := New(Options{Path: path})
	require.NoError(t, err, "the next open handles the state the kill left")
	_, err = w.WriteLine([]byte(`{"seq":-1}`))
	require.NoError(t, err)
	rotated, err := w.RotatedFiles()
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.GreaterOrEqual(t, len(rotated), 2)

	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, FileMode, st.Mode().Perm())
	if activeMissing {
		assert.Equal(t, []string{`{"seq":-1}`}, readFileLines(t, path), "a created active file holds only the new line")
	}

	var lines []string
	for _, p := range pathsOf(rotated) {
		lines = append(lines, readFileLines(t, p)...)
	}
	lines = append(lines, readFileLines(t, path)...)
	require.Equal(t, `{"seq":-1}`, lines[len(lines)-1], "the line after the restart is whole")
	lines = lines[:len(lines)-1]
	if torn {
		var v map[string]any
		require.Error(t, json.Unmarshal([]byte(lines[len(lines)-1]), &v), "the torn fragment is its own line")
		lines = lines[:len(lines)-1]
	}
	require.NotEmpty(t, lines)
	for i, line := range lines {
		var v struct {
			Seq int `json:"seq"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &v), "line %d of %d does not parse", i, len(lines))
		require.Equal(t, i, v.Seq, "lines are in order with no gaps")
	}
}

// The mid-rotation state of TestKilledWriterLeavesWholeLines, made on
// purpose: the active file was renamed away and its successor never created.
// Opening creates it; nothing is lost and order holds.
func TestOpenAfterCrashBetweenRenameAndCreate(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	w, err := New(Options{Path: path, MaxBytes: 20, Now: clk.Now})
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.f.Close() }) // never closed cleanly: it "crashed"
	for i := range 3 {
		_, err = w.WriteLine(fmt.Appendf(nil, "line%05d", i))
		require.NoError(t, err)
		clk.Advance(time.Millisecond)
	}
	// The crash: rename done, no new active file, nothing closed cleanly.
	require.NoError(t, os.Rename(path, w.names.rotated(clk.Now())))
	_, err = os.Stat(path)
	require.ErrorIs(t, err, fs.ErrNotExist)

	clk.Advance(time.Millisecond)
	w2, err := New(Options{Path: path, MaxBytes: 20, Now: clk.Now})
	require.NoError(t, err)
	_, err = w2.WriteLine([]byte("line00003"))
	require.NoError(t, err)
	require.NoError(t, w2.Close())

	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, FileMode, st.Mode().Perm())
	files, err := w2.RotatedFiles()
	require.NoError(t, err)
	var all []string
	for _, p := range append(pathsOf(files), path) {
		all = append(all, readFileLines(t, p)...)
	}
	assert.Equal(t, []string{"line00000", "line00001", "line00002", "line00003"}, all)
}
