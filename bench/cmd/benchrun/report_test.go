package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Rewriting the End-to-end section leaves every other section as it was.
func TestReplaceSection(t *testing.T) {
	p := filepath.Join(t.TempDir(), "benchmarks.md")
	require.NoError(t, replaceSection(p, "## End-to-end", "## End-to-end\n\nv1\n"))
	b, _ := os.ReadFile(p)
	assert.Equal(t, "# Benchmarks\n\n## End-to-end\n\nv1\n", string(b))

	require.NoError(t, os.WriteFile(p, []byte("# Benchmarks\n\n## Micro\n\nm\n\n## End-to-end\n\nold\nold\n\n## Reliability\n\nr\n"), 0o644))
	require.NoError(t, replaceSection(p, "## End-to-end", "## End-to-end\n\nnew\n"))
	b, _ = os.ReadFile(p)
	assert.Equal(t, "# Benchmarks\n\n## Micro\n\nm\n\n## End-to-end\n\nnew\n\n## Reliability\n\nr\n", string(b))
}
