package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// changeEntry is one entry of docs/policy-changes.md as the test reads it.
type changeEntry struct {
	version, sha string
	signOff      bool
}

func parseChanges(doc string) []changeEntry {
	var es []changeEntry
	for _, line := range strings.Split(doc, "\n") {
		if m := entryHeading.FindStringSubmatch(line); m != nil {
			es = append(es, changeEntry{version: m[1]})
			continue
		}
		if len(es) == 0 {
			continue
		}
		if m := entrySHA.FindStringSubmatch(line); m != nil {
			es[len(es)-1].sha = m[1]
		}
		if strings.HasPrefix(line, signOffPrefix) {
			es[len(es)-1].signOff = true
		}
	}
	return es
}

// TestPolicyChangesUpToDate ties config/policy.yaml to docs/policy-changes.md
// without git: the newest entry must carry the file's version and sha256, so
// changing the policy without a new version and a regenerated entry (`make
// policy-changes`, which refuses a change that keeps the version) fails here.
func TestPolicyChangesUpToDate(t *testing.T) {
	content, err := os.ReadFile(seedPolicy)
	require.NoError(t, err)
	p, err := policy.LoadFile(seedPolicy)
	require.NoError(t, err)
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])

	doc, err := os.ReadFile("../../docs/policy-changes.md")
	require.NoError(t, err)
	es := parseChanges(string(doc))
	require.NotEmpty(t, es, "docs/policy-changes.md has no entries: run make policy-changes")

	newest := es[0]
	if newest.sha != sha {
		require.NotEqual(t, newest.version, p.Version(),
			"config/policy.yaml changed but keeps version %s: bump `version`, then run make policy-changes", p.Version())
		require.Fail(t, "docs/policy-changes.md has no entry for config/policy.yaml as it is",
			"version %s: run make policy-changes (and have the entry reviewed)", p.Version())
	}
	assert.Equal(t, p.Version(), newest.version, "the newest entry is the file's version")

	seen := map[string]bool{}
	for _, e := range es {
		assert.False(t, seen[e.version], "version %s has two entries", e.version)
		seen[e.version] = true
		assert.Len(t, e.sha, 64, "entry %s records the file's sha256", e.version)
		assert.True(t, e.signOff, "entry %s has a sign-off line", e.version)
	}
}

func states(t *testing.T, versions ...string) []policyState {
	t.Helper()
	t.Setenv(testKeyEnv, testKey)
	base, err := os.ReadFile("testdata/diff-base.yaml")
	require.NoError(t, err)
	var ss []policyState
	for i, v := range versions {
		// v, or v+"'" for a different content under the same version.
		content := strings.Replace(string(base), `version: "base-1"`, `version: "`+strings.TrimSuffix(v, "'")+`"`, 1)
		if strings.HasSuffix(v, "'") {
			content = strings.Replace(content, "enum: [click, open]", "enum: [click, open, hover]", 1)
		}
		s := newState(string(rune('a'+i)), []byte(content))
		require.NoError(t, s.err)
		ss = append(ss, s)
	}
	return ss
}

func TestChangesEntries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		versions []string
		want     []string // entry versions, oldest first
		err      string
	}{
		{"one version per change", []string{"v1", "v2", "v3"}, []string{"v1", "v2", "v3"}, ""},
		{"a past change that kept its version is folded in", []string{"v1", "v2", "v2'", "v3"}, []string{"v1", "v2", "v3"}, ""},
		{"the newest change must bump", []string{"v1", "v2", "v2'"}, nil, `keeps version "v2"`},
		{"a version must not come back", []string{"v1", "v2", "v1'"}, nil, `version "v1" is used again`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, err := entries(states(t, tc.versions...))
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			var got []string
			for _, e := range es {
				got = append(got, e.state.version)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestChangesRender: newest first, each entry the diff against the one
// before, a blank sign-off line for a new entry and a filled one kept.
func TestChangesRender(t *testing.T) {
	ss := states(t, "v1", "v2'")
	doc, err := renderChanges("config/policy.yaml", ss, nil)
	require.NoError(t, err)
	es := parseChanges(string(doc))
	require.Len(t, es, 2)
	assert.Equal(t, changeEntry{"v2", ss[1].sha, true}, es[0])
	assert.Equal(t, changeEntry{"v1", ss[0].sha, true}, es[1])
	text := string(doc)
	assert.Contains(t, text, "- Previous version: `v1`\n"+signOffBlank+"\n\n### Lets more out\n\n"+
		"- `events.\"ui.interaction\".attributes.\"ui.action\".enum`: values the old policy dropped now leave: `hover`\n")
	assert.Contains(t, text, "- Previous version: none")

	signed := strings.Replace(text, "## `v1`\n\n- File sha256: `"+ss[0].sha+"`\n- Previous version: none (the first version: everything it lets out is listed)\n"+signOffBlank,
		"## `v1`\n\n- File sha256: `"+ss[0].sha+"`\n- Previous version: none (the first version: everything it lets out is listed)\n- Reviewed by: Dana Reviewer, 2026-11-29", 1)
	require.NotEqual(t, text, signed)
	again, err := renderChanges("config/policy.yaml", ss, signOffs([]byte(signed)))
	require.NoError(t, err)
	assert.Equal(t, signed, string(again), "regeneration keeps a filled sign-off line")
}

// TestChangesUncompilable: a past version this engine cannot compile keeps
// its entry (version read from the file) with the reason instead of a diff.
func TestChangesUncompilable(t *testing.T) {
	ss := states(t, "v1")
	broken := newState("x", []byte("version: \"v0\" # old schema\nclauses: {ui: x}\nevents: {a: {clause: ui, colour: red}}\n"))
	require.Error(t, broken.err)
	assert.Equal(t, "v0", broken.version)
	doc, err := renderChanges("config/policy.yaml", append([]policyState{broken}, ss...), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"v1", "v0"}, []string{parseChanges(string(doc))[0].version, parseChanges(string(doc))[1].version})
	assert.Contains(t, string(doc), "The previous version does not compile with the current engine")
	assert.Contains(t, string(doc), "This version does not compile with the current engine")
	assert.Contains(t, string(doc), "field colour not found")
}
