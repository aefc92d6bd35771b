package filewriter

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const crashEnv = "EGRESS_FILEWRITER_CRASH_PATH"

// TestCrashHelper is the child of TestKilledWriterLeavesWholeLines: it writes
// JSON lines (with rotation) as fast as it can until it is killed.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	w, err := New(Options{Path: path, MaxBytes: 256 << 10})
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

// A writer killed with SIGKILL mid-stream: the kernel may stop a write(2)
// part way (a fatal signal interrupts the copy), leaving a prefix of the
// line being written at the end of the active file, never anywhere else.
// Reopening terminates that fragment, so it is one unparsable line a reader
// skips; every other line parses, in order, with no gaps, and the first line
// after the restart starts clean.
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
	require.Eventually(t, func() bool {
		st, err := os.Stat(path)
		files, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "events-*"))
		return err == nil && st.Size() > 0 && len(files) >= 2
	}, 60*time.Second, 5*time.Millisecond, "the helper writes and rotates")
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	torn := len(data) > 0 && data[len(data)-1] != '\n'
	t.Logf("torn tail after SIGKILL: %v", torn)

	w, err := New(Options{Path: path})
	require.NoError(t, err)
	_, err = w.WriteLine([]byte(`{"seq":-1}`))
	require.NoError(t, err)
	rotated, err := w.RotatedFiles()
	require.NoError(t, err)
	require.NoError(t, w.Close())

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
	for i, line := range lines {
		var v struct {
			Seq int `json:"seq"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &v), "line %d of %d does not parse", i, len(lines))
		require.Equal(t, i, v.Seq, "lines are in order with no gaps")
	}
	assert.NotEmpty(t, lines)
}
