package filewriter

import (
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const shortWriteEnv = "EGRESS_FILEWRITER_SHORTWRITE_PATH"

// TestShortWriteHelper runs under a file-size limit so that the kernel
// accepts only part of the fourth line (a short write, as on a full disk).
func TestShortWriteHelper(t *testing.T) {
	path := os.Getenv(shortWriteEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	signal.Ignore(syscall.SIGXFSZ)
	w, err := New(Options{Path: path})
	if err != nil {
		os.Exit(2)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 10000, Max: 10000}); err != nil {
		os.Exit(4)
	}
	line := []byte(strings.Repeat("y", 2999))
	for i := range 4 {
		if _, err := w.WriteLine(line); err != nil {
			if i == 3 {
				os.Exit(0) // the expected failure
			}
			os.Exit(3)
		}
	}
	os.Exit(5) // the limit did not bite
}

func TestShortWriteIsRolledBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^TestShortWriteHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), shortWriteEnv+"="+path)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))

	lines := readFileLines(t, path)
	assert.Len(t, lines, 3, "the partial fourth line was truncated away")
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, int64(3*3000), st.Size())
}
