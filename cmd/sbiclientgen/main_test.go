package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

const (
	seedPolicy = "../../config/policy.yaml"
	clientDir  = "../../client/js"
)

// TestGeneratedUpToDate fails when client/js differs from what the generator
// produces from config/policy.yaml: the client and the policy drifted apart.
func TestGeneratedUpToDate(t *testing.T) {
	require.NoError(t, run(seedPolicy, clientDir, true),
		"run `go run ./cmd/sbiclientgen` (make generate-client) and commit the result")
}

// TestRunRewritesStaleRegion edits a copy of the client and checks that the
// generator restores it byte for byte, and that -check notices the edit.
func TestRunRewritesStaleRegion(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"sbi-telemetry.js", "sbi-telemetry.d.ts"} {
		b, err := os.ReadFile(filepath.Join(clientDir, f))
		require.NoError(t, err)
		stale := strings.Replace(string(b), `"search_button"`, `"search_button","page_title"`, 1)
		require.NotEqual(t, string(b), stale)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte(stale), 0o644))
	}
	err := run(seedPolicy, dir, true)
	require.ErrorContains(t, err, "stale")
	require.NoError(t, run(seedPolicy, dir, false))
	for _, f := range []string{"sbi-telemetry.js", "sbi-telemetry.d.ts"} {
		want, _ := os.ReadFile(filepath.Join(clientDir, f))
		got, _ := os.ReadFile(filepath.Join(dir, f))
		require.Equal(t, string(want), string(got), f)
	}
}

func TestSplice(t *testing.T) {
	for _, tc := range []struct {
		name, src, want, err string
	}{
		{"replaces", "a\n//" + beginMarker + "\nold\n//" + endMarker + "\nb\n", "a\n//" + beginMarker + "\nNEW\n//" + endMarker + "\nb\n", ""},
		{"no markers", "a\n", "", "want exactly one"},
		{"end before begin", "//" + endMarker + "\n//" + beginMarker + "\n", "", "want exactly one"},
		{"two regions", strings.Repeat("//"+beginMarker+"\n//"+endMarker+"\n", 2), "", "want exactly one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splice([]byte(tc.src), []byte("NEW\n"), "//")
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
		})
	}
}

// TestGenerateRefusesPolicyWithoutAPI: a policy that no longer declares what
// the client API fills must fail generation, not produce a client that sends
// names the collector drops.
func TestGenerateRefusesPolicyWithoutAPI(t *testing.T) {
	seed, err := policy.LoadFile(seedPolicy)
	require.NoError(t, err)
	u, _, err := loadURLSpec(seedPolicy)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		edit func(d *policy.Description)
		err  string
	}{
		{"no event", func(d *policy.Description) { d.Events = d.Events[1:] }, "declares no event"},
		{"open control", func(d *policy.Description) { eachAttr(d, "ui.control", func(a *policy.AttributeInfo) { a.Enum = nil }) }, "must be a string with an enum"},
		{"open settings", func(d *policy.Description) { eachAttr(d, "setting.", func(a *policy.AttributeInfo) { a.Names = nil }) }, "closed list of names"},
		{"url not url", func(d *policy.Description) {
			eachAttr(d, "url.full", func(a *policy.AttributeInfo) { a.Type = "string" })
		}, "must be a url"},
		{"no version", func(d *policy.Description) { d.Resource = nil }, "service.version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := seed.Describe()
			tc.edit(&d)
			_, err := generate(d, u, pslData{})
			require.ErrorContains(t, err, tc.err)
		})
	}
}

func eachAttr(d *policy.Description, key string, f func(*policy.AttributeInfo)) {
	for i := range d.Events {
		for j := range d.Events[i].Attributes {
			if d.Events[i].Attributes[j].Key == key {
				f(&d.Events[i].Attributes[j])
			}
		}
	}
}
