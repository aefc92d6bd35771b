package deploy

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

var releaseHeading = regexp.MustCompile(`(?m)^## \[([0-9]+\.[0-9]+\.[0-9]+)\]`)

// latestRelease is the newest version heading of CHANGELOG.md.
func latestRelease(t *testing.T) string {
	t.Helper()
	m := releaseHeading.FindStringSubmatch(string(read(t, root(t), "CHANGELOG.md")))
	require.Len(t, m, 2, "CHANGELOG.md has no ## [x.y.z] heading")
	return m[1]
}
