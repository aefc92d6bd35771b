package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

type wantChange struct {
	dir     direction
	subject string
	text    string // a part of the change's text
}

// edit is one replacement in testdata/diff-base.yaml.
type edit struct{ old, new string }

// diffCases: each kind of widening and narrowing, one setting at a time. NEW
// is the base with the edits applied and its version bumped, so no case
// trips the same-version rule (TestDiffSameVersion covers that). The
// expected changes are the whole list: a spurious change fails a case too.
var diffCases = []struct {
	name  string
	edits []edit
	want  []wantChange
}{
	{"no change", nil, nil},
	{"event added",
		[]edit{{"events:\n", "events:\n  ui.error:\n    clause: reliability\n    attributes:\n      error.kind: {type: string, enum: [network]}\n"}},
		[]wantChange{{widens, `events."ui.error"`, "new event (clause `reliability`), with `error.kind` (string, one of `network`"}}},
	{"event removed",
		[]edit{{"  settings.state:\n    clause: settings\n    attribute_prefixes:\n      setting.: {type: bool, name_pattern: '^[a-z][a-z0-9_]{0,63}$', names: [dark_mode, show_overlay]}\n", ""}},
		[]wantChange{{narrows, `events."settings.state"`, "event removed"}}},
	{"attribute added",
		[]edit{{"      ui.action:", "      ui.position: {type: int}\n      ui.action:"}},
		[]wantChange{{widens, `events."ui.interaction".attributes."ui.position"`, "new attribute: int, clause `ui`"}}},
	{"attribute removed",
		[]edit{{"      session.id: {type: string, pseudonymize: true, clause: reliability}\n", ""}},
		[]wantChange{{narrows, `events."ui.interaction".attributes."session.id"`, "attribute removed (was string, pseudonymized"}}},
	{"resource attribute added",
		[]edit{{"resource:\n  attributes:\n", "resource:\n  attributes:\n    browser.name: {type: string, enum: [chrome], clause: reliability}\n"}},
		[]wantChange{{widens, `resource.attributes."browser.name"`, "new attribute: string, one of `chrome`"}}},
	{"enum value added",
		[]edit{{"enum: [click, open]", "enum: [click, open, hover]"}},
		[]wantChange{{widens, `events."ui.interaction".attributes."ui.action".enum`, "values the old policy dropped now leave: `hover`"}}},
	{"enum value removed",
		[]edit{{"enum: [click, open]", "enum: [click]"}},
		[]wantChange{{narrows, `events."ui.interaction".attributes."ui.action".enum`, "values removed: `open`"}}},
	{"enum removed",
		[]edit{{"enum: [click, open]", "max_length: 16"}},
		[]wantChange{
			{widens, `events."ui.interaction".attributes."ui.action".enum`, "removed: any value now passes (was `click`, `open`)"},
			{narrows, `events."ui.interaction".attributes."ui.action".max_length`, "added: 16"}}},
	{"enum replaces a pattern: each value checked against the old rule",
		[]edit{{"        pattern: '^[a-z ]+$'\n        max_length: 32\n        scan: {detectors: [email, phone], action: drop}\n", "        enum: [settings, Search Now]\n"}},
		[]wantChange{
			{widens, `events."ui.interaction".attributes."ui.label".enum`, "values the old policy dropped now leave: `Search Now`"},
			{narrows, `events."ui.interaction".attributes."ui.label".enum`, "now a closed set of 2"},
			{neutral, `events."ui.interaction".attributes."ui.label".pattern`, "superseded by the closed set"},
			{neutral, `events."ui.interaction".attributes."ui.label".max_length`, "superseded by the closed set"},
			{neutral, `events."ui.interaction".attributes."ui.label".scan`, "detector `email` removed (superseded"},
			{neutral, `events."ui.interaction".attributes."ui.label".scan`, "detector `phone` removed (superseded"}}},
	{"setting name added",
		[]edit{{"names: [dark_mode, show_overlay]", "names: [dark_mode, show_overlay, auto_search]"}},
		[]wantChange{{widens, `events."settings.state".attribute_prefixes."setting.".names`, "names the old policy dropped now leave: `auto_search`"}}},
	{"setting name removed",
		[]edit{{"names: [dark_mode, show_overlay]", "names: [dark_mode]"}},
		[]wantChange{{narrows, `events."settings.state".attribute_prefixes."setting.".names`, "names removed: `show_overlay`"}}},
	{"setting names opened",
		[]edit{{", names: [dark_mode, show_overlay]}", "}"}},
		[]wantChange{{widens, `events."settings.state".attribute_prefixes."setting.".names`, "removed: any name now passes"}}},
	{"type changed",
		[]edit{{"setting.: {type: bool,", "setting.: {type: string,"}},
		[]wantChange{
			{widens, `events."settings.state".attribute_prefixes."setting.".type`, "string values now leave (was bool)"},
			{narrows, `events."settings.state".attribute_prefixes."setting.".type`, "bool values no longer leave"}}},
	{"pattern removed",
		[]edit{{"service.name: {type: string, pattern: '^[a-z][a-z0-9_.-]{0,63}$', clause: reliability}", "service.name: {type: string, clause: reliability}"}},
		[]wantChange{{widens, `resource.attributes."service.name".pattern`, "removed (was `^[a-z][a-z0-9_.-]{0,63}$`)"}}},
	{"pattern added",
		[]edit{{"url.full: {type: url,", "url.full: {type: url, pattern: '^https://',"}},
		[]wantChange{{narrows, `events."search.started".attributes."url.full".pattern`, "added `^https://`"}}},
	{"pattern changed: not decidable",
		[]edit{{`pattern: '^[0-9]{1,4}(\.[0-9]{1,4}){0,3}$'`, `pattern: '^[0-9]{1,5}(\.[0-9]{1,5}){0,3}$'`}},
		[]wantChange{{unknown, `resource.attributes."service.version".pattern`, "→"}}},
	{"max_length raised",
		[]edit{{"max_length: 32", "max_length: 64"}},
		[]wantChange{{widens, `events."ui.interaction".attributes."ui.label".max_length`, "32 → 64"}}},
	{"max_length lowered",
		[]edit{{"max_length: 32", "max_length: 8"}},
		[]wantChange{{narrows, `events."ui.interaction".attributes."ui.label".max_length`, "32 → 8"}}},
	{"condition removed",
		[]edit{{"url.full: {type: url, when: {search.trigger: [toolbar_button, context_menu]}}", "url.full: {type: url}"}},
		[]wantChange{{widens, `events."search.started".attributes."url.full".when."search.trigger"`, "removed (was: only when `search.trigger` is `context_menu`, `toolbar_button`)"}}},
	{"condition value added",
		[]edit{{"enum: [toolbar_button, context_menu]", "enum: [toolbar_button, context_menu, auto]"}, {"[toolbar_button, context_menu]}}", "[toolbar_button, context_menu, auto]}}"}},
		[]wantChange{
			{widens, `events."search.started".attributes."search.trigger".enum`, "`auto`"},
			{widens, `events."search.started".attributes."url.full".when."search.trigger"`, "values added: `auto`"}}},
	{"condition value removed",
		[]edit{{"[toolbar_button, context_menu]}}", "[toolbar_button]}}"}},
		[]wantChange{{narrows, `events."search.started".attributes."url.full".when."search.trigger"`, "values removed: `context_menu`"}}},
	{"detector removed",
		[]edit{{"detectors: [email, phone]", "detectors: [email]"}},
		[]wantChange{{widens, `events."ui.interaction".attributes."ui.label".scan`, "detector `phone` removed"}}},
	{"detector added",
		[]edit{{"detectors: [email, phone]", "detectors: [email, phone, card]"}},
		[]wantChange{{narrows, `events."ui.interaction".attributes."ui.label".scan`, "detector `card` added"}}},
	{"detector action drop to mask",
		[]edit{{"action: drop", "action: mask"}},
		[]wantChange{{widens, `events."ui.interaction".attributes."ui.label".scan.action`, "drop → mask"}}},
	{"pseudonymization removed",
		[]edit{{"session.id: {type: string, pseudonymize: true,", "session.id: {type: string,"}},
		[]wantChange{{widens, `events."ui.interaction".attributes."session.id".pseudonymize`, "the value leaves as sent"}}},
	{"url mode wider",
		[]edit{{"mode: template", "mode: path"}},
		[]wantChange{{widens, "url.mode", "`template` → `path` (more of the URL is kept)"}}},
	{"url mode narrower",
		[]edit{{"mode: template", "mode: origin"}},
		[]wantChange{{narrows, "url.mode", "`template` → `origin`"}}},
	{"url query parameter added",
		[]edit{{"query_allowlist: [q]", "query_allowlist: [q, utm_source]"}},
		[]wantChange{{widens, "url.query_allowlist", "parameters added: `utm_source`"}}},
	{"url query parameter removed",
		[]edit{{"query_allowlist: [q]", "query_allowlist: []"}},
		[]wantChange{{narrows, "url.query_allowlist", "parameters removed: `q`"}}},
	{"url max_length lowered",
		[]edit{{"max_length: 2048", "max_length: 1024"}},
		[]wantChange{{narrows, "url.max_length", "2048 → 1024"}}},
	{"finer timestamps",
		[]edit{{"timestamp_granularity: 1s", "timestamp_granularity: 1ms"}},
		[]wantChange{{widens, "timestamp_granularity", "1s → 1ms (finer timestamps)"}}},
	{"coarser timestamps",
		[]edit{{"timestamp_granularity: 1s", "timestamp_granularity: 1m"}},
		[]wantChange{{narrows, "timestamp_granularity", "1s → 1m0s"}}},
	{"older events kept",
		[]edit{{"max_event_age: 72h", "max_event_age: 168h"}},
		[]wantChange{{widens, "max_event_age", "72h0m0s → 168h0m0s"}}},
	{"less clock skew",
		[]edit{{"max_clock_skew: 5m", "max_clock_skew: 1m"}},
		[]wantChange{{narrows, "max_clock_skew", "5m0s → 1m0s"}}},
	{"clause text",
		[]edit{{`ui: "§2 Data Collection: UI interaction telemetry"`, `ui: "§2 UI interaction telemetry"`}},
		[]wantChange{{neutral, "clauses.ui", "text"}}},
	{"purpose of an attribute",
		[]edit{{"session.id: {type: string, pseudonymize: true, clause: reliability}", "session.id: {type: string, pseudonymize: true}"}},
		[]wantChange{{neutral, `events."ui.interaction".attributes."session.id".clause`, "purpose `reliability` → `ui`"}}},
}

func writePolicy(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func applyEdits(t *testing.T, base string, edits []edit) string {
	t.Helper()
	for _, e := range edits {
		require.Contains(t, base, e.old, "diff-base.yaml changed: update this case")
		base = strings.Replace(base, e.old, e.new, 1)
	}
	return base
}

func TestDiff(t *testing.T) {
	t.Setenv(testKeyEnv, testKey)
	base, err := os.ReadFile("testdata/diff-base.yaml")
	require.NoError(t, err)
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			nw := applyEdits(t, string(base), tc.edits)
			nw = strings.Replace(nw, `version: "base-1"`, `version: "base-2"`, 1)
			oldFile := writePolicy(t, dir, "old.yaml", string(base))
			newFile := writePolicy(t, dir, "new.yaml", nw)
			oldP, err := policy.LoadFile(oldFile)
			require.NoError(t, err)
			newP, err := policy.LoadFile(newFile)
			require.NoError(t, err)

			got := diffViews(viewOf(oldP), viewOf(newP))
			require.Len(t, got, len(tc.want), "changes: %+v", got)
			for _, w := range tc.want {
				found := false
				for _, c := range got {
					if c.dir == w.dir && c.subject == w.subject && strings.Contains(c.text, w.text) {
						found = true
					}
				}
				assert.True(t, found, "want %+v among %+v", w, got)
			}

			// What lets more out one way lets less out the other way. (Not
			// conversely: a narrowing that a closed set already implies, such
			// as a max_length its values all meet, widens nothing when undone.)
			back := diffViews(viewOf(newP), viewOf(oldP))
			if count(got, widens) > 0 {
				assert.Positive(t, count(back, narrows), "reverse: %+v", back)
			}

			// The command prints every change under its section.
			var stdout, stderr bytes.Buffer
			require.Equal(t, 0, run([]string{"diff", oldFile, newFile}, nil, &stdout, &stderr), stderr.String())
			md := stdout.String()
			assert.True(t, strings.HasPrefix(md, "# Policy diff: `base-1` → `base-2`\n"))
			for _, c := range got {
				assert.Contains(t, md, "- `"+c.subject+"`: "+c.text+"\n")
			}
			if len(got) == 0 {
				assert.Contains(t, md, "No change.")
			}
		})
	}
}

func count(cs []change, dir direction) int {
	n := 0
	for _, c := range cs {
		if c.dir == dir {
			n++
		}
	}
	return n
}

// TestDiffSameVersion: a change that lets more out (or may) under the same
// version is an error naming it; one that only narrows is not.
func TestDiffSameVersion(t *testing.T) {
	t.Setenv(testKeyEnv, testKey)
	base, err := os.ReadFile("testdata/diff-base.yaml")
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		edits   []edit
		code    int
		subject string
	}{
		{"widening", []edit{{"enum: [click, open]", "enum: [click, open, hover]"}}, 1, `events."ui.interaction".attributes."ui.action".enum`},
		{"pattern changed (not decidable)", []edit{{`{0,3}$'`, `{0,4}$'`}}, 1, `resource.attributes."service.version".pattern`},
		{"narrowing only", []edit{{"enum: [click, open]", "enum: [click]"}}, 0, ""},
		{"nothing", nil, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			nw := applyEdits(t, string(base), tc.edits)
			newFile := writePolicy(t, dir, "new.yaml", nw)
			var stdout, stderr bytes.Buffer
			code := run([]string{"diff", "testdata/diff-base.yaml", newFile}, nil, &stdout, &stderr)
			assert.Equal(t, tc.code, code, stderr.String())
			if tc.code != 0 {
				assert.Contains(t, stderr.String(), "keeps version \"base-1\"")
				assert.Contains(t, stderr.String(), tc.subject)
				assert.Contains(t, stdout.String(), tc.subject, "the diff is printed too")
			} else {
				assert.Empty(t, stderr.String())
			}
		})
	}
}

// TestDiffInitial: against no previous version, every rule lets more out.
func TestDiffInitial(t *testing.T) {
	p, err := policy.LoadFile(seedPolicy)
	require.NoError(t, err)
	cs := diffViews(view{}, viewOf(p))
	d := p.Describe()
	assert.Equal(t, len(d.Events), countSubjects(cs, `events."`), "one change per event")
	for _, c := range cs {
		assert.Contains(t, []direction{widens, neutral}, c.dir, "%+v", c)
	}
}

func countSubjects(cs []change, prefix string) int {
	n := 0
	for _, c := range cs {
		if strings.HasPrefix(c.subject, prefix) {
			n++
		}
	}
	return n
}

// TestDiffURLSummary: URL rules the policy exposes only through the
// sanitizer's summary (generalize mode's vocabularies) are listed as a
// change that cannot be ordered, unless a mode, length or query change
// already accounts for the difference.
func TestDiffURLSummary(t *testing.T) {
	g := func(summary string, query ...string) policy.URLInfo {
		return policy.URLInfo{Mode: "generalize", MaxLength: 2048, QueryAllowlist: query, Summary: summary}
	}
	assert.Empty(t, diffURL(g("a"), g("a")))
	assert.Equal(t, []change{{unknown, "url", "rules changed: 12 words → 13 words"}}, diffURL(g("12 words"), g("13 words")))
	assert.Equal(t, []change{{widens, "url.query_allowlist", "parameters added: `q`"}}, diffURL(g("no query"), g("query only q", "q")))
}

// TestDiffGitRevision: REV:PATH names a policy as committed.
func TestDiffGitRevision(t *testing.T) {
	if _, err := git("rev-parse", "HEAD"); err != nil {
		t.Skip("not in a git checkout:", err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"diff", "HEAD:config/policy.yaml", "HEAD:config/policy.yaml"}, nil, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stdout.String(), "Old: `HEAD:config/policy.yaml`; new: `HEAD:config/policy.yaml`.\n\nNo change.\n")

	stdout.Reset()
	stderr.Reset()
	assert.Equal(t, 1, run([]string{"diff", "no-such-rev-x:config/policy.yaml", seedPolicy}, nil, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "git show no-such-rev-x:config/policy.yaml")
}
