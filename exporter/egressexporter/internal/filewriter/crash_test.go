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

// A writer killed with SIGKILL mid-stream leaves only whole lines: every line
// in every file parses, and the sequence has no gaps.
func TestKilledWriterLeavesWholeLines(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
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

	w, err := New(Options{Path: path})
	require.NoError(t, err)
	rotated, err := w.RotatedFiles()
	require.NoError(t, err)
	require.NoError(t, w.Close())

	next := 0
	for _, p := range append(pathsOf(rotated), path) {
		for _, line := range readFileLines(t, p) {
			var v struct {
				Seq int `json:"seq"`
			}
			require.NoError(t, json.Unmarshal([]byte(line), &v), "a line that does not parse in %s", filepath.Base(p))
			require.Equal(t, next, v.Seq, "lines are in order with no gaps")
			next++
		}
	}
	assert.Positive(t, next)
}
