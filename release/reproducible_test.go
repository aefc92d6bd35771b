package release

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// distSources returns the ocb-generated dist/ directory (`make build` generates it), skipping
// when it is missing (failing under CI=true).
func distSources(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(root(t), "dist")
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dist/main.go missing under CI (run `make build`)")
		}
		t.Skip("dist/ not generated; run `make build`")
	}
	return dir
}

// releaseBuild compiles dist/ for linux/amd64 exactly as scripts/release.sh does.
func releaseBuild(t *testing.T, dist, out string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", out, ".")
	cmd.Dir = dist
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	bin, err := os.ReadFile(out)
	require.NoError(t, err)
	return bin
}

// TestReleaseBuildIsReproducible builds the linux/amd64 release binary twice from the same
// sources and requires identical bytes, with no build id and no path of this machine inside.
// (Both compiles share the Go build cache, so this checks the link and the flags; `make
// release-check` rebuilds both platforms from an empty cache and compares every artefact.)
func TestReleaseBuildIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("links the collector twice")
	}
	dist := distSources(t)
	dir := t.TempDir()
	a := releaseBuild(t, dist, filepath.Join(dir, "a"))
	b := releaseBuild(t, dist, filepath.Join(dir, "b"))
	assert.Equal(t, sha256.Sum256(a), sha256.Sum256(b), "two release builds of the same sources differ")
	assert.False(t, bytes.Contains(a, []byte(root(t))), "the binary embeds the checkout path %s", root(t))
	home, _ := os.UserHomeDir()
	if home != "" && home != "/" {
		assert.False(t, bytes.Contains(a, []byte(filepath.Join(home, "go", "pkg", "mod"))), "the binary embeds the module cache path")
	}
	out, err := exec.Command("go", "tool", "buildid", filepath.Join(dir, "a")).CombinedOutput()
	if err == nil {
		assert.Empty(t, bytes.TrimSpace(out), "the release binary carries a build id")
	}
}
