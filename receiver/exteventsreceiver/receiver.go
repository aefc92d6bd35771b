// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"

	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver/internal/metadata"
)

const (
	pathLogs   = "/v1/logs"
	pathEvents = "/v1/events"
)

// Outcome label values of otelcol_receiver_extevents_requests (a closed set).
const (
	outcomeOK                   = "ok"
	outcomeBadRequest           = "bad_request"
	outcomeUnauthorized         = "unauthorized"
	outcomeTooLarge             = "too_large"
	outcomeUnsupportedMediaType = "unsupported_media_type"
	outcomeMethodNotAllowed     = "method_not_allowed"
	outcomeRateLimited          = "rate_limited"
	outcomeRefused              = "refused"
)

type extEventsReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	next      consumer.Logs
	obsrep    *receiverhelper.ObsReport
	telemetry *metadata.TelemetryBuilder
	limiter   *rateLimiter
	lim       decodeLimits
	maxBody   int64
	now       func() time.Time

	attrLogs, attrEvents metric.MeasurementOption
	outcomeOpts          map[string]metric.MeasurementOption

	server     *http.Server
	addr       net.Addr // bound address, known after Start
	shutdownWG sync.WaitGroup
}

func newReceiver(cfg *Config, set receiver.Settings, next consumer.Logs) (*extEventsReceiver, error) {
	obsrep, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "http",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &extEventsReceiver{
		cfg:       cfg,
		settings:  set,
		next:      next,
		obsrep:    obsrep,
		telemetry: tb,
		limiter:   newRateLimiter(cfg.RateLimit, time.Now),
		lim: decodeLimits{
			maxEvents:     cfg.Limits.MaxEventsPerRequest,
			maxAttributes: cfg.Limits.MaxAttributesPerEvent,
			maxKeyLen:     cfg.Limits.MaxKeyLength,
			maxValueLen:   cfg.Limits.MaxValueLength,
		},
		maxBody:     cfg.maxBodyBytes(),
		now:         time.Now,
		attrLogs:    metric.WithAttributeSet(attribute.NewSet(attribute.String("endpoint", "logs"))),
		attrEvents:  metric.WithAttributeSet(attribute.NewSet(attribute.String("endpoint", "events"))),
		outcomeOpts: outcomeOptions(),
	}, nil
}

// outcomeOptions precomputes the outcome attribute of each closed-set value.
func outcomeOptions() map[string]metric.MeasurementOption {
	m := map[string]metric.MeasurementOption{}
	for _, o := range []string{outcomeOK, outcomeBadRequest, outcomeUnauthorized, outcomeTooLarge,
		outcomeUnsupportedMediaType, outcomeMethodNotAllowed, outcomeRateLimited, outcomeRefused} {
		m[o] = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", o)))
	}
	return m
}

// handler returns the receiver's routes, without the confighttp wrapping
// (CORS, auth, decompression, body limits), so the fuzz targets can call it directly.
func (r *extEventsReceiver) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(pathLogs, r.handleLogs)
	mux.HandleFunc(pathEvents, r.handleEvents)
	return mux
}

func (r *extEventsReceiver) Start(ctx context.Context, host component.Host) error {
	// confighttp wraps the handler in otelhttp, whose server spans carry the
	// client address (client.address, network.peer.address): the HTTP layer
	// gets a no-op tracer provider. Its metrics carry no client attributes.
	serverTelemetry := r.settings.TelemetrySettings
	serverTelemetry.TracerProvider = tracenoop.NewTracerProvider()
	var err error
	r.server, err = r.cfg.ToServer(ctx, host.GetExtensions(), serverTelemetry, r.handler(),
		confighttp.WithErrorHandler(r.serverErrorHandler))
	if err != nil {
		return err
	}
	// net/http logs connection-level errors with the client's address
	// ("http: TLS handshake error from 203.0.113.7:51234: ..."); redact it.
	r.server.ErrorLog = log.New(&redactingWriter{logger: r.settings.Logger}, "", 0)
	ln, err := r.cfg.ToListener(ctx)
	if err != nil {
		return err
	}
	r.addr = ln.Addr()
	// Only the bound address is logged: never anything about clients.
	r.settings.Logger.Info("Starting HTTP server", zap.String("endpoint", ln.Addr().String()))
	r.shutdownWG.Add(1)
	go func() {
		defer r.shutdownWG.Done()
		if errHTTP := r.server.Serve(ln); errHTTP != nil && !errors.Is(errHTTP, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(errHTTP))
		}
	}()
	return nil
}

func (r *extEventsReceiver) Shutdown(ctx context.Context) error {
	var err error
	if r.server != nil {
		err = r.server.Shutdown(ctx)
	}
	r.shutdownWG.Wait()
	r.telemetry.Shutdown()
	return err
}

// serverErrorHandler answers errors raised by confighttp before the request
// reaches a handler (unsupported Content-Encoding, failed auth). confighttp's
// message can echo a header value, so it is replaced by a fixed one.
func (r *extEventsReceiver) serverErrorHandler(w http.ResponseWriter, req *http.Request, _ string, status int) {
	outcome, msg := outcomeBadRequest, "request rejected"
	switch status {
	case http.StatusBadRequest:
		msg = "unsupported or invalid Content-Encoding"
	case http.StatusUnauthorized:
		outcome, msg = outcomeUnauthorized, "unauthorized"
	}
	if req.URL.Path == pathEvents {
		r.countRequest(r.attrEvents, outcome)
		writeCompactError(w, status, &compactError{Field: fieldRequest, Msg: msg, Index: -1})
		return
	}
	r.countRequest(r.attrLogs, outcome)
	writeStatus(w, otlpEncodingOf(req), status, msg)
}

func (r *extEventsReceiver) countRequest(ep metric.MeasurementOption, outcome string) {
	r.telemetry.ReceiverExteventsRequests.Add(context.Background(), 1, ep, r.outcomeOpts[outcome])
}

// readBody reads the (already decompressed) body, bounded by maxBody. It
// returns the HTTP status to answer with when reading fails: 413 when a bound
// (wire or decompressed) was hit, 400 otherwise (e.g. corrupt gzip).
func (r *extEventsReceiver) readBody(w http.ResponseWriter, req *http.Request) (*bytes.Buffer, int) {
	body := http.MaxBytesReader(w, req.Body, r.maxBody)
	defer body.Close()
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	// Content-Length is absent after decompression; otherwise it sizes the buffer once.
	if n := req.ContentLength; n > 0 && n <= r.maxBody {
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(body); err != nil {
		bodyPool.Put(buf)
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, http.StatusRequestEntityTooLarge
		}
		return nil, http.StatusBadRequest
	}
	return buf, 0
}

// bodyPool recycles request bodies: both decoders copy every string and byte
// string out of the body, so a buffer is free again once decoding returns.
// Buffers are bounded by max_request_body_size and the number of requests in
// flight.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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

// clientAddrPattern matches an IPv4 or bracketed IPv6 address with a port, as
// net/http prints remote addresses.
var clientAddrPattern = regexp.MustCompile(`(\[[0-9A-Fa-f:.%a-zA-Z]+\]|\d{1,3}(\.\d{1,3}){3}):\d+`)

// redactingWriter receives net/http's server error log and forwards it to the
// collector's logger with client addresses replaced.
type redactingWriter struct{ logger *zap.Logger }

func (w *redactingWriter) Write(p []byte) (int, error) {
	msg := clientAddrPattern.ReplaceAllString(strings.TrimSpace(string(p)), "[client]")
	w.logger.Warn("HTTP server error", zap.String("error", msg))
	return len(p), nil
}

// consumerErrorStatus maps a pipeline error onto the HTTP status: permanent
// errors will fail again (400, do not retry), anything else, including a
// memory_limiter refusal, is back-pressure (503, retry after a delay).
func consumerErrorStatus(err error) int {
	if consumererror.IsPermanent(err) {
		return http.StatusBadRequest
	}
	return http.StatusServiceUnavailable
}

func (r *extEventsReceiver) setRetryAfter(w http.ResponseWriter, seconds int64) {
	w.Header().Set("Retry-After", itoa64(seconds))
}

func (r *extEventsReceiver) observedNow() pcommon.Timestamp {
	return pcommon.NewTimestampFromTime(r.now())
}

// remoteAddr is used for the rate limiter key only.
func remoteAddr(req *http.Request) string {
	if req.RemoteAddr != "" {
		return req.RemoteAddr
	}
	return net.IPv4zero.String()
}

func drain(req *http.Request) {
	// Let the connection be reused when we answer before reading the body,
	// without reading more than a little.
	_, _ = io.CopyN(io.Discard, req.Body, 4096)
}
