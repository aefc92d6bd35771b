package pageurl

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// conformanceFile is the rule table as JSON, for the browser port of these
// rules to run against (DESIGN.md: "checked by a shared conformance corpus").
var conformanceFile = filepath.Join("testdata", "conformance.json")

type conformanceCase struct {
	Name string `json:"name"`
	In   string `json:"in"`
	Want string `json:"want"` // "" means dropped
}

// TestConformanceCorpusIsCurrent keeps testdata/conformance.json equal to
// generalizeCases (CONFORMANCE_UPDATE=1 rewrites it).
func TestConformanceCorpusIsCurrent(t *testing.T) {
	cases := make([]conformanceCase, len(generalizeCases))
	for i, tc := range generalizeCases {
		cases[i] = conformanceCase{tc.name, tc.in, tc.want}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(cases); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("CONFORMANCE_UPDATE") != "" {
		if err := os.WriteFile(conformanceFile, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(conformanceFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Fatalf("%s is stale: CONFORMANCE_UPDATE=1 go test ./policy/pageurl -run TestConformanceCorpusIsCurrent", conformanceFile)
	}
}
