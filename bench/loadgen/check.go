package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// Output is what a collector wrote: OTLP-JSON lines, one
// ExportLogsServiceRequest per line (egress file and contrib's file exporter).
type Output struct {
	Files int
	Lines int
	// Unterminated counts files whose last bytes have no newline yet (skipped).
	Unterminated int
	Records      int
	ByEvent      map[string]int
	// Keys counts records by Key (event name and attributes).
	Keys map[string]int
	// Leaks are planted markers found anywhere in the raw bytes (at most 20).
	Leaks     []string
	LeakCount int
	// Shape lists records that are not in minimized form (at most 20).
	Shape      []string
	ShapeCount int
}

// ReadOutput parses every file matching the globs. A complete line that does not
// parse is an error: a line must never be half-written. A file's last bytes
// without a newline are a line its writer is still writing (the file writer
// hands each line to the kernel in one write, which a reader can catch part
// way): they are skipped and counted in Unterminated, so a poll while the
// collector runs never mistakes them for output.
func ReadOutput(globs ...string) (*Output, error) {
	out := &Output{ByEvent: map[string]int{}, Keys: map[string]int{}}
	var files []string
	for _, g := range globs {
		m, err := filepath.Glob(g)
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	var u plog.JSONUnmarshaler
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		out.Files++
		r := bufio.NewReaderSize(fh, 1<<20)
		for {
			line, err := r.ReadBytes('\n')
			if err == io.EOF {
				if len(line) > 0 {
					out.Unterminated++
				}
				break
			}
			if err != nil {
				fh.Close()
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			out.Lines++
			out.scanLeaks(line)
			ld, err := u.UnmarshalLogs(line)
			if err != nil {
				fh.Close()
				return nil, fmt.Errorf("%s line %d: not an OTLP-JSON logs request: %w", f, out.Lines, err)
			}
			out.add(ld)
		}
		fh.Close()
	}
	return out, nil
}

func (o *Output) scanLeaks(line []byte) {
	rest := line
	for {
		i := bytes.Index(rest, []byte(testworkload.MarkerPrefix))
		if i < 0 {
			return
		}
		o.LeakCount++
		if len(o.Leaks) < 20 {
			lo, hi := max(0, i-60), min(len(rest), i+40)
			o.Leaks = append(o.Leaks, string(rest[lo:hi]))
		}
		rest = rest[i+len(testworkload.MarkerPrefix):]
	}
}

func (o *Output) shape(format string, args ...any) {
	o.ShapeCount++
	if len(o.Shape) < 20 {
		o.Shape = append(o.Shape, fmt.Sprintf(format, args...))
	}
}

var allowedResource = map[string]bool{"service.name": true, "service.version": true, "privacy.policy.version": true}

func (o *Output) add(ld plog.Logs) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		ra := rl.Resource().Attributes()
		ra.Range(func(k string, _ pcommon.Value) bool {
			if !allowedResource[k] {
				o.shape("resource attribute %q kept", k)
			}
			return true
		})
		if _, ok := ra.Get("privacy.policy.version"); !ok {
			o.shape("resource without privacy.policy.version")
		}
		version := ""
		if v, ok := ra.Get("service.version"); ok {
			version = v.AsString()
		}
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			if sl.Scope().Name() != "" || sl.Scope().Version() != "" || sl.Scope().Attributes().Len() > 0 {
				o.shape("scope name/version/attributes kept")
			}
			for k := 0; k < sl.LogRecords().Len(); k++ {
				lr := sl.LogRecords().At(k)
				o.Records++
				o.ByEvent[lr.EventName()]++
				if lr.Body().Type() != pcommon.ValueTypeEmpty {
					o.shape("%s: body kept", lr.EventName())
				}
				if !lr.TraceID().IsEmpty() || !lr.SpanID().IsEmpty() {
					o.shape("%s: trace/span id kept", lr.EventName())
				}
				if lr.Timestamp()%1e9 != 0 {
					o.shape("%s: timestamp not truncated to 1s", lr.EventName())
				}
				attrs := map[string]any{}
				lr.Attributes().Range(func(k string, v pcommon.Value) bool {
					switch v.Type() {
					case pcommon.ValueTypeStr:
						attrs[k] = v.Str()
					case pcommon.ValueTypeBool:
						attrs[k] = v.Bool()
					default:
						attrs[k] = v.AsString()
						o.shape("%s: attribute %q of type %s kept", lr.EventName(), k, v.Type())
					}
					return true
				})
				o.Keys[testworkload.RecordKey(version, lr.EventName(), attrs)]++
			}
		}
	}
}

// Verdict compares an output with the acknowledged batches of a run.
type Verdict struct {
	Acknowledged int      // records that must appear
	Missing      int      // of them, not in the output
	Examples     []string // a few missing keys
	// Duplicates counts records of acknowledged batches seen more often
	// than they were sent.
	Duplicates int
}

// Verify checks that every acknowledged record that must survive
// minimization is in out, in exactly its minimized form. Records are matched
// as a multiset by key (testworkload.RecordKey): the batch's version, the
// event and its attributes. Records of batches that were not acknowledged
// (a request cut off by a time bound may still have been taken) have other
// keys and count neither way.
func (g *Generator) Verify(out *Output, acked [][2]int64) Verdict {
	var v Verdict
	want := map[string]int{}
	for _, b := range acked {
		for s := b[0]; s < b[0]+b[1]; s++ {
			if e, ok := g.Expect(s); ok {
				want[e.Key(b[0])]++
				v.Acknowledged++
			}
		}
	}
	for k, n := range want {
		switch got := out.Keys[k]; {
		case got < n:
			v.Missing += n - got
			if len(v.Examples) < 10 {
				v.Examples = append(v.Examples, k)
			}
		case got > n:
			v.Duplicates += got - n
		}
	}
	sort.Strings(v.Examples)
	return v
}
