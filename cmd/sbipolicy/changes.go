package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// The change log: one entry per policy version, newest first, each the diff
// against the version before it in git. Each entry records the version and
// the sha256 of the file, so a test can tie config/policy.yaml to its entry
// without git (CI clones may be shallow).

const (
	changesTitle = "# Policy changes"
	// signOffBlank is the line a reviewer fills in; a filled line survives
	// regeneration.
	signOffBlank  = "- Reviewed by: ____________________ (privacy reviewer, date)"
	signOffPrefix = "- Reviewed by:"
)

var (
	versionLine  = regexp.MustCompile(`(?m)^version:\s*"?([^"\s#]+)"?`)
	entryHeading = regexp.MustCompile("^## `([^`]+)`$")
	entrySHA     = regexp.MustCompile("^- File sha256: `([0-9a-f]{64})`$")
)

// policyState is one content of the policy file: a commit's, or the work tree's.
type policyState struct {
	rev     string // commit, or "work tree"
	content []byte
	version string
	sha     string
	p       *policy.Policy
	err     error // does not compile with this engine
}

func runChanges(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("changes", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("policy", "config/policy.yaml", "policy file (its git history is read)")
	out := fs.String("out", "", "change log to (re)write, keeping filled-in sign-off lines (default: stdout)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return fmt.Errorf("%w: changes [--policy FILE] [--out FILE]", errUsage)
	}
	states, err := gitStates(*file)
	if err != nil {
		return err
	}
	var existing []byte
	if *out != "" {
		existing, err = os.ReadFile(*out)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	doc, err := renderChanges(*file, states, signOffs(existing))
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(doc)
		return err
	}
	return os.WriteFile(*out, doc, 0o644)
}

// gitStates returns every committed content of file on the current branch's
// own line (first parent: a merged branch's intermediate contents were never
// a version of this branch), oldest first, then the work tree's if it differs
// from the last commit's.
func gitStates(file string) ([]policyState, error) {
	if out, err := git("rev-parse", "--is-shallow-repository"); err != nil {
		return nil, err
	} else if strings.TrimSpace(out) == "true" {
		return nil, errors.New("the change log needs the policy's full git history: git fetch --unshallow")
	}
	revs, err := git("log", "--first-parent", "--reverse", "--format=%H", "--", file)
	if err != nil {
		return nil, err
	}
	var states []policyState
	rel := "./" + filepath.ToSlash(filepath.Clean(file))
	for _, rev := range strings.Fields(revs) {
		content, err := git("show", rev+":"+rel)
		if err != nil {
			continue // the commit deleted the file
		}
		states = append(states, newState(rev[:12], []byte(content)))
	}
	work, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if len(states) == 0 || !bytes.Equal(states[len(states)-1].content, work) {
		states = append(states, newState("work tree", work))
	}
	return states, nil
}

func git(args ...string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("git", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

func newState(rev string, content []byte) policyState {
	sum := sha256.Sum256(content)
	s := policyState{rev: rev, content: content, sha: hex.EncodeToString(sum[:])}
	s.p, s.err = policy.Parse(content, "config/policy.yaml@"+rev)
	if s.err == nil {
		s.version = s.p.Version()
	} else {
		s.version = versionOf(content)
	}
	return s
}

// versionOf reads the version line of a policy this engine cannot compile.
func versionOf(content []byte) string {
	m := versionLine.FindSubmatch(content)
	if m == nil {
		return "(none)"
	}
	return string(m[1])
}

// entry is one version: the last content that carried it.
type entry struct {
	state policyState
	prev  *policyState
}

// entries groups consecutive contents by version. Only the newest content may
// not reuse the previous version: history is what it is, but a change being
// made now must get a new version.
func entries(states []policyState) ([]entry, error) {
	var es []entry
	for i := range states {
		s := states[i]
		if len(es) > 0 && es[len(es)-1].state.version == s.version {
			last := &es[len(es)-1]
			if i == len(states)-1 && last.state.sha != s.sha {
				return nil, fmt.Errorf("config/policy.yaml (%s) changed but keeps version %q of %s: bump `version`", s.rev, s.version, last.state.rev)
			}
			last.state = s
			continue
		}
		e := entry{state: s}
		if len(es) > 0 {
			prev := es[len(es)-1].state
			e.prev = &prev
		}
		es = append(es, e)
	}
	for i, e := range es { // a version may not come back either
		for _, f := range es[:i] {
			if f.state.version == e.state.version {
				return nil, fmt.Errorf("version %q is used again after %q", e.state.version, es[i-1].state.version)
			}
		}
	}
	return es, nil
}

func renderChanges(file string, states []policyState, signed map[string]string) ([]byte, error) {
	es, err := entries(states)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\n", changesTitle)
	fmt.Fprintf(&b, "One entry per version of [%s](../%s), newest first: what it lets out that the\n", file, file)
	fmt.Fprintf(&b, "version before it did not, and the reverse. Generated by `make policy-changes`\n")
	fmt.Fprintf(&b, "(`sbipolicy changes`, from the file's git history); edit only the sign-off lines, which\n")
	fmt.Fprintf(&b, "regeneration keeps. A test fails while the file's version or sha256 differs from the newest entry.\n")
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		fmt.Fprintf(&b, "\n## `%s`\n\n", e.state.version)
		fmt.Fprintf(&b, "- File sha256: `%s`\n", e.state.sha)
		if e.prev == nil {
			fmt.Fprintf(&b, "- Previous version: none (the first version: everything it lets out is listed)\n")
		} else {
			fmt.Fprintf(&b, "- Previous version: `%s`\n", e.prev.version)
		}
		if line, ok := signed[e.state.version]; ok {
			fmt.Fprintf(&b, "%s\n\n", line)
		} else {
			fmt.Fprintf(&b, "%s\n\n", signOffBlank)
		}
		switch {
		case e.state.err != nil:
			fmt.Fprintf(&b, "This version does not compile with the current engine, so it cannot be compared:\n\n```\n%s\n```\n", e.state.err)
		case e.prev != nil && e.prev.err != nil:
			fmt.Fprintf(&b, "The previous version does not compile with the current engine, so it cannot be compared.\n")
		default:
			var old view
			if e.prev != nil {
				old = viewOf(e.prev.p)
			}
			writeChanges(&b, diffViews(old, viewOf(e.state.p)), "###")
		}
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n'), nil
}

// signOffs returns the filled-in sign-off line of each version in doc.
func signOffs(doc []byte) map[string]string {
	signed := map[string]string{}
	version := ""
	for _, line := range strings.Split(string(doc), "\n") {
		if m := entryHeading.FindStringSubmatch(line); m != nil {
			version = m[1]
			continue
		}
		if version != "" && strings.HasPrefix(line, signOffPrefix) && line != signOffBlank {
			signed[version] = line
		}
	}
	return signed
}
