package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// The canonical form of an output line: every field of the OTLP log data model that could
// carry data, so that an unexpected field shows up in the diff instead of hiding.
type (
	cLine     []cResource
	cResource struct {
		Attrs     map[string]any `json:"attrs"`
		SchemaURL string         `json:"schema_url,omitempty"`
		Dropped   uint32         `json:"dropped_attrs,omitempty"`
		Scopes    []cScope       `json:"scopes"`
	}
	cScope struct {
		Name      string         `json:"name,omitempty"`
		Version   string         `json:"version,omitempty"`
		Attrs     map[string]any `json:"attrs,omitempty"`
		SchemaURL string         `json:"schema_url,omitempty"`
		Records   []cRecord      `json:"records"`
	}
	cRecord struct {
		Event    string         `json:"event"`
		Time     uint64         `json:"time"`
		Observed uint64         `json:"observed"`
		SevNum   int32          `json:"severity_number,omitempty"`
		SevText  string         `json:"severity_text,omitempty"`
		Body     any            `json:"body,omitempty"`
		TraceID  string         `json:"trace_id,omitempty"`
		SpanID   string         `json:"span_id,omitempty"`
		Flags    uint32         `json:"flags,omitempty"`
		Dropped  uint32         `json:"dropped_attrs,omitempty"`
		Attrs    map[string]any `json:"attrs"`
	}
)

func attrs(m pcommon.Map) map[string]any {
	out := m.AsRaw()
	if out == nil {
		out = map[string]any{}
	}
	return out
}

func canonical(ld plog.Logs) cLine {
	var line cLine
	for _, rl := range ld.ResourceLogs().All() {
		r := cResource{
			Attrs:     attrs(rl.Resource().Attributes()),
			SchemaURL: rl.SchemaUrl(),
			Dropped:   rl.Resource().DroppedAttributesCount(),
			Scopes:    []cScope{},
		}
		for _, sl := range rl.ScopeLogs().All() {
			s := cScope{
				Name:      sl.Scope().Name(),
				Version:   sl.Scope().Version(),
				SchemaURL: sl.SchemaUrl(),
				Records:   []cRecord{},
			}
			if sl.Scope().Attributes().Len() > 0 {
				s.Attrs = attrs(sl.Scope().Attributes())
			}
			for _, lr := range sl.LogRecords().All() {
				rec := cRecord{
					Event:    lr.EventName(),
					Time:     uint64(lr.Timestamp()),
					Observed: uint64(lr.ObservedTimestamp()),
					SevNum:   int32(lr.SeverityNumber()),
					SevText:  lr.SeverityText(),
					Flags:    uint32(lr.Flags()),
					Dropped:  lr.DroppedAttributesCount(),
					Attrs:    attrs(lr.Attributes()),
				}
				if lr.Body().Type() != pcommon.ValueTypeEmpty {
					rec.Body = lr.Body().AsRaw()
				}
				if !lr.TraceID().IsEmpty() {
					rec.TraceID = lr.TraceID().String()
				}
				if !lr.SpanID().IsEmpty() {
					rec.SpanID = lr.SpanID().String()
				}
				s.Records = append(s.Records, rec)
			}
			r.Scopes = append(r.Scopes, s)
		}
		line = append(line, r)
	}
	return line
}

// readOutput parses an egress file whose writer has stopped: one OTLP-JSON
// ExportLogsServiceRequest per line, every line complete. A missing file reads as no lines.
func readOutput(t *testing.T, path string) []plog.Logs {
	t.Helper()
	data := readFile(t, path)
	if len(data) > 0 {
		require.True(t, bytes.HasSuffix(data, []byte("\n")), "the last line of %s is incomplete", path)
	}
	return parseLines(t, path, data)
}

// readSoFar parses the complete lines of an egress file that is still being written (what
// an Eventually condition polls): a last line without its newline is one the writer is in the
// middle of, not yet output. Safe to call from the condition's goroutine: a malformed
// complete line fails the test without stopping that goroutine.
func readSoFar(t *testing.T, path string) []plog.Logs {
	data := readFile(t, path)
	return parseLines(t, path, data[:bytes.LastIndexByte(data, '\n')+1])
}

func readFile(t *testing.T, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Errorf("read %s: %v", path, err)
	}
	return data
}

func parseLines(t *testing.T, path string, data []byte) []plog.Logs {
	if len(data) == 0 {
		return nil
	}
	var out []plog.Logs
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		req := plogotlp.NewExportRequest()
		if err := req.UnmarshalJSON(line); err != nil {
			t.Errorf("line %d of %s is not an OTLP-JSON ExportLogsServiceRequest: %v", i+1, path, err)
			continue
		}
		out = append(out, req.Logs())
	}
	return out
}

// render turns lines into sorted, indented JSON texts: the egress queue may export batches
// in any order, so lines compare as a multiset, and a mismatch prints as a readable diff.
func render(t *testing.T, lines []cLine) []string {
	t.Helper()
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		b, err := json.MarshalIndent(l, "", "  ")
		require.NoError(t, err)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

func canonicalAll(lds []plog.Logs) []cLine {
	out := make([]cLine, 0, len(lds))
	for _, ld := range lds {
		out = append(out, canonical(ld))
	}
	return out
}

// records flattens lines into one (resource attrs, record) list per record, sorted: what a
// backend holds does not depend on how an exporter batched it.
func records(t *testing.T, lds []plog.Logs) []string {
	t.Helper()
	var out []string
	for _, l := range canonicalAll(lds) {
		for _, r := range l {
			for _, s := range r.Scopes {
				for _, rec := range s.Records {
					b, err := json.Marshal(struct {
						Resource map[string]any `json:"resource"`
						Scope    string         `json:"scope"`
						Record   cRecord        `json:"record"`
					}{r.Attrs, s.Name + "@" + s.Version, rec})
					require.NoError(t, err)
					out = append(out, string(b))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// assertNoneLeaked fails for every planted string that appears in text.
func assertNoneLeaked(t *testing.T, what, text string, planted []string) {
	t.Helper()
	lower := strings.ToLower(text)
	for _, p := range planted {
		if strings.Contains(lower, strings.ToLower(p)) {
			t.Errorf("planted string %q leaked into %s", p, what)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}
