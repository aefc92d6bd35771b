// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver/internal/metadata"
)

// handleEvents serves POST /v1/events, the compact JSON format. A request is
// accepted or rejected whole: nothing of a malformed request reaches the pipeline.
func (r *extEventsReceiver) handleEvents(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		r.countRequest(r.attrEvents, outcomeMethodNotAllowed)
		w.Header().Set("Allow", http.MethodPost)
		writeCompactError(w, http.StatusMethodNotAllowed, reqErr(fieldRequest, "method not allowed, use POST"))
		return
	}
	if ok, wait := r.limiter.allow(remoteAddr(req)); !ok {
		drain(req)
		r.countRequest(r.attrEvents, outcomeRateLimited)
		r.setRetryAfter(w, retryAfterSeconds(wait))
		writeCompactError(w, http.StatusTooManyRequests, reqErr(fieldRequest, "rate limit exceeded, retry later"))
		return
	}
	if !compactMediaTypeOK(req) {
		drain(req)
		r.countRequest(r.attrEvents, outcomeUnsupportedMediaType)
		writeCompactError(w, http.StatusUnsupportedMediaType, reqErr(fieldRequest, "Content-Type must be application/json or text/plain (UTF-8)"))
		return
	}
	body, status := r.readBody(w, req)
	if status != 0 {
		if status == http.StatusRequestEntityTooLarge {
			r.countRequest(r.attrEvents, outcomeTooLarge)
			writeCompactError(w, status, reqErr(fieldRequest, "request body too large"))
		} else {
			r.countRequest(r.attrEvents, outcomeBadRequest)
			writeCompactError(w, status, reqErr(fieldRequest, "failed to read request body"))
		}
		return
	}

	ld := plog.NewLogs()
	n, derr := decodeCompact(body.Bytes(), r.lim, r.cfg.ServiceName, metadata.ScopeName, r.observedNow(), ld)
	bodyPool.Put(body)
	ctx := req.Context()
	if derr != nil {
		r.countRequest(r.attrEvents, outcomeBadRequest)
		writeCompactError(w, http.StatusBadRequest, derr)
		return
	}
	if n > 0 {
		if err := r.consume(ctx, "compact_json", ld, n); err != nil {
			status := consumerErrorStatus(err)
			r.telemetry.ReceiverExteventsEventsRefused.Add(ctx, int64(n), r.attrEvents)
			if status == http.StatusServiceUnavailable {
				r.countRequest(r.attrEvents, outcomeRefused)
				r.setRetryAfter(w, retryAfterSeconds(r.cfg.RetryAfter))
				writeCompactError(w, status, reqErr(fieldRequest, "pipeline is busy, retry later"))
			} else {
				r.countRequest(r.attrEvents, outcomeBadRequest)
				writeCompactError(w, status, reqErr(fieldRequest, "data rejected by the pipeline"))
			}
			return
		}
		r.telemetry.ReceiverExteventsEventsAccepted.Add(ctx, int64(n), r.attrEvents)
	}
	r.countRequest(r.attrEvents, outcomeOK)
	writeBody(w, contentTypeJSON, http.StatusOK, []byte(`{"accepted":`+strconv.Itoa(n)+`}`))
}

// compactMediaTypeOK accepts application/json and text/plain (what
// navigator.sendBeacon sends for a string body, without a CORS preflight),
// with no charset or a UTF-8 one.
func compactMediaTypeOK(req *http.Request) bool {
	mt, params := mediaType(req)
	if mt != contentTypeJSON && mt != contentTypeText {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8")
}

// compactErrorBody is the JSON body of every non-200 answer of /v1/events.
type compactErrorBody struct {
	Error string `json:"error"`
	Field string `json:"field"`
	Index *int   `json:"index,omitempty"`
}

func writeCompactError(w http.ResponseWriter, status int, e *compactError) {
	b := compactErrorBody{Error: e.Error(), Field: e.Field}
	if e.Index >= 0 {
		b.Index = &e.Index
	}
	out, err := json.Marshal(b)
	if err != nil {
		writePlain(w, http.StatusInternalServerError, "failed to encode error")
		return
	}
	writeBody(w, contentTypeJSON, status, out)
}
