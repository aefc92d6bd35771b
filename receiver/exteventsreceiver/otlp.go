// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"mime"
	"net/http"
	"strconv"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

const (
	contentTypeProto = "application/x-protobuf"
	contentTypeJSON  = "application/json"
	contentTypeText  = "text/plain"

	attrEventName = "event.name"
	// maxAnyValueDepth bounds how deep a nested attribute value may be.
	maxAnyValueDepth = 4
)

type otlpEncoding int

const (
	encNone otlpEncoding = iota
	encProto
	encJSON
)

func (e otlpEncoding) contentType() string {
	if e == encProto {
		return contentTypeProto
	}
	return contentTypeJSON
}

func (e otlpEncoding) format() string {
	if e == encProto {
		return "protobuf"
	}
	return "json"
}

func mediaType(req *http.Request) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil {
		return "", nil
	}
	return mt, params
}

func otlpEncodingOf(req *http.Request) otlpEncoding {
	switch mt, _ := mediaType(req); mt {
	case contentTypeProto:
		return encProto
	case contentTypeJSON:
		return encJSON
	}
	return encNone
}

func (r *extEventsReceiver) handleLogs(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		r.countRequest(r.attrLogs, outcomeMethodNotAllowed)
		w.Header().Set("Allow", http.MethodPost)
		writePlain(w, http.StatusMethodNotAllowed, "405 method not allowed, supported: [POST]")
		return
	}
	enc := otlpEncodingOf(req)
	if ok, wait := r.limiter.allow(remoteAddr(req)); !ok {
		drain(req)
		r.countRequest(r.attrLogs, outcomeRateLimited)
		r.setRetryAfter(w, retryAfterSeconds(wait))
		writeStatus(w, enc, http.StatusTooManyRequests, "rate limit exceeded, retry later")
		return
	}
	if enc == encNone {
		drain(req)
		r.countRequest(r.attrLogs, outcomeUnsupportedMediaType)
		writePlain(w, http.StatusUnsupportedMediaType, "415 unsupported media type, supported: [application/json, application/x-protobuf]")
		return
	}
	body, status := r.readBody(w, req)
	if status != 0 {
		if status == http.StatusRequestEntityTooLarge {
			r.countRequest(r.attrLogs, outcomeTooLarge)
			writeStatus(w, enc, status, "request body too large")
		} else {
			r.countRequest(r.attrLogs, outcomeBadRequest)
			writeStatus(w, enc, status, "failed to read request body")
		}
		return
	}

	otlpReq := plogotlp.NewExportRequest()
	var err error
	if enc == encProto {
		err = otlpReq.UnmarshalProto(body.Bytes())
	} else {
		err = otlpReq.UnmarshalJSON(body.Bytes())
	}
	bodyPool.Put(body)
	if err != nil {
		// The decoder's error text can quote the payload: answer with a fixed message.
		r.countRequest(r.attrLogs, outcomeBadRequest)
		writeStatus(w, enc, http.StatusBadRequest, "invalid OTLP "+enc.format()+" payload")
		return
	}

	ld := otlpReq.Logs()
	accepted, rejected := r.limitAndNormalize(ld)
	ctx := req.Context()
	if rejected > 0 {
		r.telemetry.ReceiverExteventsEventsRefused.Add(ctx, int64(rejected), r.attrLogs)
	}
	if accepted > 0 {
		if err = r.consume(ctx, enc.format(), ld, accepted); err != nil {
			status := consumerErrorStatus(err)
			r.telemetry.ReceiverExteventsEventsRefused.Add(ctx, int64(accepted), r.attrLogs)
			// The pipeline's error text is not sent: it may describe data.
			if status == http.StatusServiceUnavailable {
				r.countRequest(r.attrLogs, outcomeRefused)
				r.setRetryAfter(w, retryAfterSeconds(r.cfg.RetryAfter))
				writeStatus(w, enc, status, "pipeline is busy, retry later")
			} else {
				r.countRequest(r.attrLogs, outcomeBadRequest)
				writeStatus(w, enc, status, "data rejected by the pipeline")
			}
			return
		}
		r.telemetry.ReceiverExteventsEventsAccepted.Add(ctx, int64(accepted), r.attrLogs)
	}

	resp := plogotlp.NewExportResponse()
	if rejected > 0 {
		ps := resp.PartialSuccess()
		ps.SetRejectedLogRecords(int64(rejected))
		ps.SetErrorMessage(strconv.Itoa(rejected) + " log records exceeded the receiver's limits (events per request, attributes per event, key or value length)")
	}
	var msg []byte
	if enc == encProto {
		msg, err = resp.MarshalProto()
	} else {
		msg, err = resp.MarshalJSON()
	}
	if err != nil {
		writeStatus(w, enc, http.StatusInternalServerError, "failed to encode response")
		return
	}
	r.countRequest(r.attrLogs, outcomeOK)
	writeBody(w, enc.contentType(), http.StatusOK, msg)
}

// limitAndNormalize enforces the per-record limits in place: records beyond
// max_events_per_request, or with too many attributes, too long a key, name or
// value, are removed (reported as partial success). A record without EventName
// but with a string `event.name` attribute gets it moved into EventName.
func (r *extEventsReceiver) limitAndNormalize(ld plog.Logs) (accepted, rejected int) {
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				normalizeEventName(lr)
				if accepted >= r.lim.maxEvents || !r.recordWithinLimits(lr) {
					rejected++
					return true
				}
				accepted++
				return false
			})
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
	return accepted, rejected
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

func (r *extEventsReceiver) recordWithinLimits(lr plog.LogRecord) bool {
	if len(lr.EventName()) > r.lim.maxKeyLen {
		return false
	}
	attrs := lr.Attributes()
	if attrs.Len() > r.lim.maxAttributes {
		return false
	}
	return r.mapWithinLimits(attrs, 0)
}

func (r *extEventsReceiver) mapWithinLimits(m pcommon.Map, depth int) bool {
	for k, v := range m.All() {
		if len(k) > r.lim.maxKeyLen || !r.valueWithinLimits(v, depth) {
			return false
		}
	}
	return true
}

func (r *extEventsReceiver) valueWithinLimits(v pcommon.Value, depth int) bool {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return len(v.Str()) <= r.lim.maxValueLen
	case pcommon.ValueTypeBytes:
		return v.Bytes().Len() <= r.lim.maxValueLen
	case pcommon.ValueTypeMap:
		return depth < maxAnyValueDepth && v.Map().Len() <= r.lim.maxAttributes && r.mapWithinLimits(v.Map(), depth+1)
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		if depth >= maxAnyValueDepth || s.Len() > r.lim.maxAttributes {
			return false
		}
		for i := 0; i < s.Len(); i++ {
			if !r.valueWithinLimits(s.At(i), depth+1) {
				return false
			}
		}
	}
	return true
}

// writeStatus writes a google.rpc.Status in the request's encoding, as the
// OTLP/HTTP specification asks for failures. msg must be a fixed text.
func writeStatus(w http.ResponseWriter, enc otlpEncoding, status int, msg string) {
	st := &spb.Status{Code: int32(grpcCode(status)), Message: msg}
	var (
		b   []byte
		err error
	)
	if enc == encProto {
		b, err = proto.Marshal(st)
	} else {
		b, err = protojson.Marshal(st)
	}
	if err != nil {
		writePlain(w, http.StatusInternalServerError, "failed to encode status")
		return
	}
	writeBody(w, enc.contentType(), status, b)
}

func grpcCode(status int) codes.Code {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return codes.InvalidArgument
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case http.StatusServiceUnavailable:
		return codes.Unavailable
	default:
		return codes.Internal
	}
}

func writePlain(w http.ResponseWriter, status int, msg string) {
	writeBody(w, "text/plain; charset=utf-8", status, []byte(msg))
}

func writeBody(w http.ResponseWriter, contentType string, status int, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
