package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Generous bounds: the box running `make test` has 2 cores shared with other builds.
const (
	startTimeout = 90 * time.Second
	stopTimeout  = 60 * time.Second
)

// binary returns the path of the otelcol-sbi binary under test.
func binary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OTELCOL_SBI_BIN")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("OTELCOL_SBI_BIN is not set: run the end-to-end tests through `make test`")
		}
		t.Skip("OTELCOL_SBI_BIN is not set: `make test` builds the binary and sets it")
	}
	abs, err := filepath.Abs(bin)
	require.NoError(t, err)
	_, err = os.Stat(abs)
	require.NoError(t, err, "OTELCOL_SBI_BIN must point at the built binary")
	return abs
}

// repoRoot is the directory holding go.mod (the tests run in test/e2e).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for range 10 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		dir = filepath.Dir(dir)
	}
	t.Fatal("go.mod not found above the test directory")
	return ""
}

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// collector is one running otelcol-sbi process.
type collector struct {
	name   string
	dir    string // working directory: relative paths in the config resolve here
	cmd    *exec.Cmd
	output *syncBuffer // stdout and stderr: the collector's own log
	done   chan struct{}
	err    error // cmd.Wait's result, set before done closes
}

// writeConfig stores a collector config in dir and returns its path.
func writeConfig(t *testing.T, dir, name, cfg string) string {
	t.Helper()
	path := filepath.Join(dir, name+".yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

// startCollector runs the binary with cfg in dir and waits until the health_check
// extension on healthPort answers 200.
func startCollector(t *testing.T, name, dir, cfg string, healthPort int) *collector {
	t.Helper()
	path := writeConfig(t, dir, name, cfg)
	return startWith(t, name, dir, []string{"--config", "file:" + path}, nil, healthPort)
}

// startWith runs the binary with args and extra environment variables in dir (relative
// paths in the config resolve there) and waits until the health check answers 200.
func startWith(t *testing.T, name, dir string, args, env []string, healthPort int) *collector {
	t.Helper()
	c := &collector{name: name, dir: dir, output: &syncBuffer{}, done: make(chan struct{})}
	c.cmd = exec.Command(binary(t), args...)
	c.cmd.Dir = dir
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout = c.output
	c.cmd.Stderr = c.output
	require.NoError(t, c.cmd.Start())
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Kill()
			<-c.done
		}
		if t.Failed() {
			t.Logf("log of collector %s:\n%s", c.name, c.output.String())
		}
	})

	health := fmt.Sprintf("http://127.0.0.1:%d/", healthPort)
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-c.done:
			t.Fatalf("collector %s exited during start (%v):\n%s", name, c.err, c.output.String())
		default:
		}
		if resp, err := http.Get(health); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector %s not healthy after %s:\n%s", name, startTimeout, c.output.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM, waits for a clean exit (the exporters flush on shutdown) and
// returns the collector's log.
func (c *collector) stop(t *testing.T) string {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-c.done:
	case <-time.After(stopTimeout):
		_ = c.cmd.Process.Kill()
		<-c.done
		t.Fatalf("collector %s did not stop within %s after SIGTERM:\n%s", c.name, stopTimeout, c.output.String())
	}
	require.NoError(t, c.err, "collector %s must exit 0 after SIGTERM:\n%s", c.name, c.output.String())
	return c.output.String()
}

// runToExit runs the binary with args (and extra environment) until it exits by itself and returns its exit code
// and combined output. A process still running after the timeout fails the test.
func runToExit(t *testing.T, dir string, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, ctx.Err(), "otelcol-sbi %s did not exit by itself:\n%s", strings.Join(args, " "), out)
	if err == nil {
		return 0, string(out)
	}
	var exitErr *exec.ExitError
	require.True(t, errors.As(err, &exitErr), "running otelcol-sbi: %v", err)
	return exitErr.ExitCode(), string(out)
}
