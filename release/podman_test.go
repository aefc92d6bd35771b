package release

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/release/ociimage"
)

// podmanRunFlags makes rootful podman run inside an unprivileged container such as this
// project's build machine: runc (crun refuses hybrid cgroups there) and ulimits no higher than
// the caller's (podman's defaults exceed them and setrlimit fails). PODMAN_RUN_FLAGS overrides.
func podmanRunFlags() []string {
	if v, ok := os.LookupEnv("PODMAN_RUN_FLAGS"); ok {
		return strings.Fields(v)
	}
	flags := []string{"--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"}
	if _, err := exec.LookPath("runc"); err == nil {
		flags = append([]string{"--runtime", "runc"}, flags...)
	}
	return flags
}

func podman(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "podman", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestImageRunsInPodman builds the release image for this machine's platform from the built
// binary (OTELCOL_SBI_BIN, a static binary), loads it into podman, runs it with its baked-in
// config and policy, and smoke-tests it: the health check answers 200, one event sent to the
// receiver comes out minimized in the events file, stamped with the policy version. Skips when
// podman or the binary is missing, or when podman cannot start containers on this machine
// (the reason is logged); anything after the container started must work.
func TestImageRunsInPodman(t *testing.T) {
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman not installed (apt-get install podman)")
	}
	bin := os.Getenv("OTELCOL_SBI_BIN")
	if bin == "" {
		bin = filepath.Join(root(t), "dist", "otelcol-sbi")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("otelcol-sbi binary %s not built", bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	tag := fmt.Sprintf("podman-test-%d", time.Now().UnixNano())
	ref := "localhost/otelcol-sbi-test:" + tag
	archive := filepath.Join(t.TempDir(), "image.tar")
	require.NoError(t, ociimage.WriteArchive(ociimage.Spec{
		Version: tag, Ref: ref,
		Binaries: map[string]string{"linux/" + runtime.GOARCH: bin},
		Config:   filepath.Join(root(t), "deploy", "container", "otelcol.yaml"),
		Policy:   filepath.Join(root(t), "config", "policy.yaml"),
		CACerts:  "/etc/ssl/certs/ca-certificates.crt", ZoneInfo: "",
		Created: time.Unix(0, 0).UTC(),
	}, archive))
	out, err := podman(ctx, "load", "-i", archive)
	require.NoError(t, err, out)
	t.Cleanup(func() { _, _ = podman(context.Background(), "rmi", "-f", ref) })

	events, health := freePort(t), freePort(t)
	args := append([]string{"run", "-d"}, podmanRunFlags()...)
	args = append(args, "-p", fmt.Sprintf("127.0.0.1:%d:4318", events), "-p", fmt.Sprintf("127.0.0.1:%d:13133", health), ref)
	id, err := podman(ctx, args...)
	if err != nil {
		t.Skipf("podman cannot start containers here: %s", id)
	}
	id = id[strings.LastIndexByte(id, '\n')+1:]
	t.Cleanup(func() { _, _ = podman(context.Background(), "rm", "-f", id) })

	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", health))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			logs, _ := podman(ctx, "logs", id)
			t.Fatalf("health check never answered 200: %v\n%s", err, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}

	body := `{"service_version":"3.2.1","events":[{"name":"ui.interaction","time":"` + time.Now().UTC().Format(time.RFC3339) +
		`","attributes":{"ui.surface":"popup","ui.control":"search_button","ui.action":"click","user.email":"someone@example.com"}}]}`
	resp, err := client.Post(fmt.Sprintf("http://127.0.0.1:%d/v1/events", events), "application/json", strings.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// The event in the container's events file: minimized, stamped, nothing else.
	local := filepath.Join(t.TempDir(), "events.jsonl")
	var data []byte
	for deadline := time.Now().Add(30 * time.Second); ; {
		if out, err := podman(ctx, "cp", id+":/var/lib/otelcol-sbi/events.jsonl", local); err == nil {
			data, _ = os.ReadFile(local)
			if strings.Contains(string(data), "search_button") {
				break
			}
		} else if time.Now().After(deadline) {
			t.Fatalf("no events file in the container: %s", out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the event did not reach the events file: %q", data)
		}
		time.Sleep(300 * time.Millisecond)
	}
	assert.Contains(t, string(data), "privacy.policy.version")
	assert.NotContains(t, string(data), "someone@example.com", "an attribute the policy does not name left the collector")
	user, err := podman(ctx, "inspect", "--format", "{{.Config.User}}", id)
	require.NoError(t, err)
	assert.Equal(t, "65532:65532", user)
}
