// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// encoding is one of the three request encodings the receiver speaks, in the
// manner of otlpreceiver's encoder: it decodes a body into logs (enforcing
// the limits) and writes the answers in its own format. The pipeline
// (pipeline.go) does the rest, the same way for all three.
type encoding interface {
	// format is the obsreport "format" label.
	format() string
	// decode turns a body into logs. accepted records are in ld; rejected
	// ones were over a limit and are already removed (OTLP partial success).
	// A non-nil error rejects the whole request: it carries a position and a
	// fixed message, never request content.
	decode(body []byte, lim *LimitsConfig) (ld plog.Logs, accepted, rejected int, err *compactError)
	// writeAccepted writes the 200 answer.
	writeAccepted(w http.ResponseWriter, accepted, rejected int) error
	// writeFailure writes a failure's answer; where names the problem (its
	// Msg alone for OTLP, which has no field positions).
	writeFailure(w http.ResponseWriter, row failureRow, where *compactError)
}

// compactEncoding is /v1/events: compact.go's JSON event format.
type compactEncoding struct{ scope string }

func (compactEncoding) format() string { return "compact_json" }

func (e compactEncoding) decode(body []byte, lim *LimitsConfig) (plog.Logs, int, int, *compactError) {
	ld := plog.NewLogs()
	n, err := decodeCompact(body, lim, e.scope, ld)
	return ld, n, 0, err
}

func (compactEncoding) writeAccepted(w http.ResponseWriter, accepted, _ int) error {
	writeCompactAccepted(w, accepted)
	return nil
}

func (compactEncoding) writeFailure(w http.ResponseWriter, row failureRow, where *compactError) {
	writeCompactError(w, row.status, where)
}

// otlpEncoding is /v1/logs in OTLP protobuf or OTLP JSON.
type otlpEncoding struct {
	proto       bool
	name        string // obsreport format
	malformed   string // the fixed message for an undecodable body
	contentType string
}

var (
	otlpProtoEncoding = &otlpEncoding{proto: true, name: "protobuf", malformed: "invalid OTLP protobuf payload", contentType: contentTypeProto}
	otlpJSONEncoding  = &otlpEncoding{name: "json", malformed: "invalid OTLP json payload", contentType: contentTypeJSON}
)

func (e *otlpEncoding) format() string { return e.name }

func (e *otlpEncoding) decode(body []byte, lim *LimitsConfig) (plog.Logs, int, int, *compactError) {
	req := plogotlp.NewExportRequest()
	var err error
	if e.proto {
		err = req.UnmarshalProto(body)
	} else {
		err = req.UnmarshalJSON(body)
	}
	if err != nil {
		// The decoder's error text can quote the payload: a fixed message instead.
		return plog.Logs{}, 0, 0, reqErr(fieldRequest, e.malformed)
	}
	ld := req.Logs()
	normalizeEventNames(ld)
	accepted, rejected := lim.limitOTLP(ld)
	return ld, accepted, rejected, nil
}

func (e *otlpEncoding) writeAccepted(w http.ResponseWriter, _, rejected int) error {
	resp := plogotlp.NewExportResponse()
	if rejected > 0 {
		ps := resp.PartialSuccess()
		ps.SetRejectedLogRecords(int64(rejected))
		ps.SetErrorMessage(strconv.Itoa(rejected) + " log records exceeded the receiver's limits (events per request, attributes per event, key or value length)")
	}
	var (
		b   []byte
		err error
	)
	if e.proto {
		b, err = resp.MarshalProto()
	} else {
		b, err = resp.MarshalJSON()
	}
	if err != nil {
		return err
	}
	writeBody(w, e.contentType, http.StatusOK, b)
	return nil
}

func (e *otlpEncoding) writeFailure(w http.ResponseWriter, row failureRow, where *compactError) {
	writeStatus(w, e.proto, row.status, row.code, where.Msg)
}

// attrEventName is where SDKs older than LogRecord.EventName put the event name.
const attrEventName = "event.name"

// normalizeEventNames moves a non-empty string `event.name` attribute into an
// empty EventName.
func normalizeEventNames(ld plog.Logs) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				normalizeEventName(lrs.At(k))
			}
		}
	}
}

func normalizeEventName(lr plog.LogRecord) {
	if lr.EventName() != "" {
		return
	}
	v, ok := lr.Attributes().Get(attrEventName)
	if !ok || v.Type() != pcommon.ValueTypeStr || v.Str() == "" {
		return
	}
	lr.SetEventName(v.Str())
	lr.Attributes().Remove(attrEventName)
}

// Negotiation: which encoding a request's Content-Type selects on each endpoint.

func mediaType(req *http.Request) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil {
		return "", nil
	}
	return mt, params
}

// negotiateCompact accepts application/json and text/plain (what
// navigator.sendBeacon sends for a string body, without a CORS preflight),
// with no charset or a UTF-8 one. Failures are answered in the compact format
// whatever the Content-Type.
func negotiateCompact(enc encoding) func(*http.Request) (encoding, bool) {
	return func(req *http.Request) (encoding, bool) {
		mt, params := mediaType(req)
		if mt != contentTypeJSON && mt != contentTypeText {
			return enc, false
		}
		cs, ok := params["charset"]
		return enc, !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8")
	}
}

// negotiateOTLP selects protobuf or JSON. Failures of other Content-Types are
// answered with a JSON google.rpc.Status, as otlpreceiver's error handler does.
func negotiateOTLP(req *http.Request) (encoding, bool) {
	switch mt, _ := mediaType(req); mt {
	case contentTypeProto:
		return otlpProtoEncoding, true
	case contentTypeJSON:
		return otlpJSONEncoding, true
	}
	return otlpJSONEncoding, false
}
