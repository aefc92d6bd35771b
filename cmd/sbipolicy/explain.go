package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

func runExplain(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	policyFile := fs.String("policy", "config/policy.yaml", "policy file")
	now := fs.String("now", "", "time of receipt, RFC 3339 (default: the current time)")
	serviceName := fs.String("service-name", "sbi-extension", "service.name the receiver gives compact events (its service_name)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: explain: %v", errUsage, err)
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: explain takes at most one input file", errUsage)
	}
	receipt := time.Now()
	if *now != "" {
		t, err := time.Parse(time.RFC3339Nano, *now)
		if err != nil {
			return fmt.Errorf("%w: --now: %v", errUsage, err)
		}
		receipt = t
	}
	p, err := policy.LoadFile(*policyFile)
	if err != nil {
		return err
	}
	data, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		return err
	}
	ld, legacy, err := decodeEvents(data, *serviceName, receipt)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := explain(&b, p.WithClock(func() time.Time { return receipt }), *policyFile, ld, legacy); err != nil {
		return err
	}
	_, err = stdout.Write(b.Bytes())
	return err
}

// explain writes the explanation of ld under p, then what p.Apply makes of
// it (on a copy: the same engine call minimize makes).
func explain(w *bytes.Buffer, p *policy.Policy, source string, ld plog.Logs, legacy map[int]bool) error {
	d := p.Describe()
	x := p.Explain(ld)
	fmt.Fprintf(w, "policy %s, version %s\n", filepath.ToSlash(source), d.Version)

	res := -1
	for i, rec := range x.Records {
		if rec.Resource != res {
			res = rec.Resource
			writeResource(w, x.Resources[res], d)
		}
		writeRecord(w, i, rec, d, legacy[i])
	}

	out := plog.NewLogs()
	ld.CopyTo(out)
	p.Apply(out)
	fmt.Fprintf(w, "\noutput (OTLP JSON, as minimize emits it):\n")
	if out.LogRecordCount() == 0 {
		fmt.Fprintf(w, "(nothing: every record is dropped)\n")
		return nil
	}
	raw, err := (&plog.JSONMarshaler{}).MarshalLogs(out)
	if err != nil {
		return err
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, raw, "", "  "); err != nil {
		return err
	}
	w.Write(ind.Bytes())
	w.WriteByte('\n')
	return nil
}

func writeResource(w *bytes.Buffer, r policy.ResourceExplanation, d policy.Description) {
	fmt.Fprintf(w, "\nresource %d\n", r.Index)
	for _, a := range r.Attributes {
		writeAttr(w, a, d)
	}
	fmt.Fprintf(w, "  %s = %q: set by the collector (the policy version)\n", policy.VersionAttribute, r.Stamp)
	if len(r.Dropped) > 0 {
		fmt.Fprintf(w, "  dropped (no rule names them): %s\n", strings.Join(r.Dropped, ", "))
	}
}

func writeRecord(w *bytes.Buffer, i int, r policy.RecordExplanation, d policy.Description, legacy bool) {
	name := strconv.Quote(r.Event)
	if r.Event == "" {
		name = "(no name)"
	}
	fmt.Fprintf(w, "\nevent %d %s: ", i, name)
	if r.Dropped {
		switch r.Reason {
		case policy.RecordMissingEventName:
			fmt.Fprintf(w, "record dropped, no event name: no rule or clause covers it\n")
		default:
			fmt.Fprintf(w, "record dropped, unknown event: `events` names no such event\n")
		}
		return
	}
	fmt.Fprintf(w, "kept by %s %s\n", r.Rule, clauseText(r.Clause, d))
	if legacy {
		fmt.Fprintf(w, "  event.name attribute: moved into the event name, as the receiver does for older SDKs\n")
	}
	for _, a := range r.Attributes {
		writeAttr(w, a, d)
	}
	for _, f := range r.Fields {
		if f.Note == "" && f.In == f.Out && (f.Field == "severity_number" || f.Field == "severity_text") {
			continue // unset or standard: nothing to say
		}
		switch {
		case f.Note == "":
			fmt.Fprintf(w, "  %s %s: kept\n", f.Field, orEmpty(f.In))
		default:
			fmt.Fprintf(w, "  %s %s → %s: %s\n", f.Field, orEmpty(f.In), orEmpty(f.Out), f.Note)
		}
	}
	if len(r.Unnamed) > 0 {
		fmt.Fprintf(w, "  dropped (no rule names them): %s\n", strings.Join(r.Unnamed, ", "))
	}
}

func orEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

func clauseText(id string, d policy.Description) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf("[clause %s: %s]", id, d.Clauses[id])
}

func writeAttr(w *bytes.Buffer, a policy.AttrExplanation, d policy.Description) {
	fmt.Fprintf(w, "  %s = %s: ", a.Key, showValue(a.In))
	switch a.Outcome {
	case policy.AttrKept:
		fmt.Fprintf(w, "kept by %s [%s]\n", a.Rule, a.Clause)
	case policy.AttrRewritten:
		fmt.Fprintf(w, "%s to %q by %s [%s]\n", rewriteVerb(a.Kind), a.Out, a.Rule, a.Clause)
	default:
		fmt.Fprintf(w, "dropped, %s: %s\n", reasonWords[a.Reason], dropText(a))
	}
	_ = d
}

// reasonWords names each drop reason (the metrics' reason label is
// AttrReason.String()).
var reasonWords = [policy.NumAttrReasons]string{
	policy.AttrNotAllowed: "not allowed",
	policy.AttrWrongType:  "wrong type",
	policy.AttrConstraint: "constraint not met",
	policy.AttrVocabulary: "not in vocabulary",
	policy.AttrInvalidURL: "invalid URL",
	policy.AttrCondition:  "condition does not hold",
	policy.AttrDetected:   "detector found personal data",
	policy.AttrDuplicate:  "duplicate key",
}

func rewriteVerb(k policy.SanitizeKind) string {
	switch k {
	case policy.SanitizedURL:
		return "generalized"
	case policy.SanitizedPseudonym:
		return "pseudonymized"
	case policy.SanitizedMask:
		return "masked"
	}
	return "rewritten"
}

// dropText says why, naming the rule and the setting of it that decides.
func dropText(a policy.AttrExplanation) string {
	info := a.Info
	switch a.Reason {
	case policy.AttrNotAllowed:
		if strings.HasPrefix(a.Rule, "stamp ") {
			return "stamped by the collector; an inbound value is never kept"
		}
		return a.Rule + " names no such attribute"
	case policy.AttrWrongType:
		return fmt.Sprintf("%s is %s, the value is %s (never converted)", a.Rule, info.Type, typeName(a.In))
	case policy.AttrConstraint:
		if strings.HasSuffix(a.Rule, ".max_length") {
			return fmt.Sprintf("%s is %d", a.Rule, info.MaxLength)
		}
		return fmt.Sprintf("%s `%s` does not match", a.Rule, info.Pattern)
	case policy.AttrVocabulary:
		if strings.HasPrefix(a.Rule, "stamp ") {
			return "only this policy's version is kept; the collector writes its own stamp"
		}
		if strings.HasSuffix(a.Rule, ".names") {
			return a.Rule + " does not list this name"
		}
		return a.Rule + " does not list this value"
	case policy.AttrInvalidURL:
		return a.Rule + ": not http(s), longer than url.max_length, or unparseable"
	case policy.AttrCondition:
		var conds []string
		for _, k := range sortedKeys(info.When) {
			conds = append(conds, fmt.Sprintf("%s in [%s]", k, strings.Join(info.When[k], ", ")))
		}
		return fmt.Sprintf("%s requires %s", a.Rule, strings.Join(conds, " and "))
	case policy.AttrDetected:
		return fmt.Sprintf("%s found %s", a.Rule, strings.Join(info.Detectors, "/"))
	case policy.AttrDuplicate:
		return "a second value under the same key (the first allowed one is kept)"
	}
	return a.Rule
}

func typeName(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return "string"
	case pcommon.ValueTypeBool:
		return "bool"
	case pcommon.ValueTypeInt:
		return "int"
	case pcommon.ValueTypeDouble:
		return "double"
	case pcommon.ValueTypeMap:
		return "map"
	case pcommon.ValueTypeSlice:
		return "list"
	case pcommon.ValueTypeBytes:
		return "bytes"
	}
	return "empty"
}

func showValue(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr {
		return strconv.Quote(v.Str())
	}
	return fmt.Sprintf("%s (%s)", v.AsString(), typeName(v))
}

func readFile(path string) ([]byte, error) {
	return os.ReadFile(filepath.Clean(path))
}
