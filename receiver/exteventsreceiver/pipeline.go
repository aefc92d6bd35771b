// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// The request pipeline, the same for both endpoints and all three encodings:
//
//	method -> rate limit -> Content-Type (selects the encoding) -> read body
//	(bounded) -> decode + limits (encoding) -> stamp -> next consumer -> answer
//
// Every step that fails ends in fail(), which takes status, outcome, message
// and Retry-After from the failure table (failure.go) and lets the encoding
// write the answer (response.go).

const (
	pathLogs   = "/v1/logs"
	pathEvents = "/v1/events"
)

// endpoint is one of the two routes.
type endpoint struct {
	attr metric.MeasurementOption // the endpoint metric attribute
	// negotiate selects the encoding for the request's Content-Type; when the
	// type is not accepted (false) it still returns the encoding that answers.
	negotiate func(*http.Request) (encoding, bool)
	// mediaTypeMsg is failMediaType's message on this endpoint.
	mediaTypeMsg string
}

func newEndpoint(name string, negotiate func(*http.Request) (encoding, bool), accepts string) *endpoint {
	return &endpoint{
		attr:         metric.WithAttributeSet(attribute.NewSet(attribute.String("endpoint", name))),
		negotiate:    negotiate,
		mediaTypeMsg: failMediaType.row().msg + accepts,
	}
}

// serve is the pipeline for one endpoint.
func (r *extEventsReceiver) serve(ep *endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		enc, ok := ep.negotiate(req)
		if req.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			r.fail(w, ep, enc, failMethod, nil, 0)
			return
		}
		if allowed, wait := r.limiter.allow(req.RemoteAddr); !allowed {
			drain(req)
			r.fail(w, ep, enc, failRateLimited, nil, wait)
			return
		}
		if !ok {
			drain(req)
			r.fail(w, ep, enc, failMediaType, reqErr(fieldRequest, ep.mediaTypeMsg), 0)
			return
		}
		body, f, ok := r.readBody(w, req)
		if !ok {
			r.fail(w, ep, enc, f, nil, 0)
			return
		}
		ld, accepted, rejected, where := enc.decode(body.Bytes(), &r.cfg.Limits)
		bodyPool.Put(body) // decoders copy what they keep
		if where != nil {
			r.fail(w, ep, enc, failMalformed, where, 0)
			return
		}

		ctx := req.Context()
		if rejected > 0 {
			r.telemetry.ReceiverExteventsEventsRefused.Add(ctx, int64(rejected), ep.attr)
		}
		if accepted > 0 {
			stamp(ld, r.cfg.ServiceName, pcommon.NewTimestampFromTime(r.now()))
			if err := r.consume(ctx, enc.format(), ld, accepted); err != nil {
				r.telemetry.ReceiverExteventsEventsRefused.Add(ctx, int64(accepted), ep.attr)
				// The pipeline's error text is not sent: it may describe data.
				r.fail(w, ep, enc, consumerFailure(err), nil, r.cfg.RetryAfter)
				return
			}
			r.telemetry.ReceiverExteventsEventsAccepted.Add(ctx, int64(accepted), ep.attr)
		}
		if err := enc.writeAccepted(w, accepted, rejected); err != nil {
			r.fail(w, ep, enc, failInternal, nil, 0)
			return
		}
		r.countRequest(ep, outcomeOK)
	}
}

// fail answers a failure from its row of the failure table. where, when
// given, replaces the row's message with a positioned one; wait is the
// Retry-After of a row that has one.
func (r *extEventsReceiver) fail(w http.ResponseWriter, ep *endpoint, enc encoding, f failure, where *compactError, wait time.Duration) {
	row := f.row()
	if row.outcome != "" {
		r.countRequest(ep, row.outcome)
	}
	if row.retry {
		writeRetryAfter(w, wait)
	}
	if where == nil {
		where = reqErr(fieldRequest, row.msg)
	}
	enc.writeFailure(w, row, where)
}

// serverErrorHandler answers the failures confighttp's handler chain detects
// before the request reaches serve (unsupported Content-Encoding, failed auth).
func (r *extEventsReceiver) serverErrorHandler(w http.ResponseWriter, req *http.Request, _ string, status int) {
	ep := r.logs
	if req.URL.Path == pathEvents {
		ep = r.events
	}
	enc, _ := ep.negotiate(req)
	r.fail(w, ep, enc, serverFailure(status), nil, 0)
}

func (r *extEventsReceiver) countRequest(ep *endpoint, outcome string) {
	r.telemetry.ReceiverExteventsRequests.Add(context.Background(), 1, ep.attr, r.outcomeOpts[outcome])
}

// readBody reads the (already decompressed) body up to the configured bound.
// When it fails it says why: failTooLarge when a bound (wire or decompressed)
// was hit, failReadBody otherwise (e.g. corrupt gzip).
func (r *extEventsReceiver) readBody(w http.ResponseWriter, req *http.Request) (*bytes.Buffer, failure, bool) {
	limit := r.cfg.bodyLimit()
	body := http.MaxBytesReader(w, req.Body, limit)
	defer body.Close()
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	// Content-Length is absent after decompression; otherwise it sizes the buffer once.
	if n := req.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(body); err != nil {
		bodyPool.Put(buf)
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			return nil, failTooLarge, false
		}
		return nil, failReadBody, false
	}
	return buf, 0, true
}

// bodyPool recycles request bodies: both decoders copy every string and byte
// string out of the body, so a buffer is free again once decoding returns.
// Buffers are bounded by max_request_body_size and the number of requests in
// flight.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// drain lets the connection be reused when the answer comes before the body
// was read, without reading more than a little.
func drain(req *http.Request) {
	_, _ = io.CopyN(io.Discard, req.Body, 4096)
}

// stamp sets what the receiver decides, not the client, on both endpoints:
// every resource's service.name is the configured service_name, and every
// record's observed time is the time of receipt. (The minimize processor
// bounds the event time relative to the observed time.)
func stamp(ld plog.Logs, serviceName string, observed pcommon.Timestamp) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		rl.Resource().Attributes().PutStr("service.name", serviceName)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lrs.At(k).SetObservedTimestamp(observed)
			}
		}
	}
}

// consume hands ld to the next consumer and waits for its answer, so that the
// client is acknowledged only for data the pipeline accepted.
func (r *extEventsReceiver) consume(ctx context.Context, format string, ld plog.Logs, n int) error {
	ctx = privateContext(ctx)
	ctx = r.obsrep.StartLogsOp(ctx)
	err := r.next.ConsumeLogs(ctx, ld)
	r.obsrep.EndLogsOp(ctx, format, n, err)
	return err
}

// privateContext removes from the request context everything that describes
// the client or that the client chose: the client info confighttp adds even
// without include_metadata (address, auth), and a span context or baggage
// propagated from request headers. Cancellation is kept.
func privateContext(ctx context.Context) context.Context {
	ctx = client.NewContext(ctx, client.Info{})
	ctx = trace.ContextWithSpanContext(ctx, trace.SpanContext{})
	return baggage.ContextWithoutBaggage(ctx)
}
