// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"

	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver/internal/metadata"
)

type extEventsReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	next      consumer.Logs
	obsrep    *receiverhelper.ObsReport
	telemetry *metadata.TelemetryBuilder
	limiter   *rateLimiter
	now       func() time.Time // the time of receipt

	logs, events *endpoint
	outcomeOpts  map[string]metric.MeasurementOption

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
		cfg:         cfg,
		settings:    set,
		next:        next,
		obsrep:      obsrep,
		telemetry:   tb,
		limiter:     newRateLimiter(cfg.RateLimit, time.Now),
		now:         time.Now,
		logs:        newEndpoint("logs", negotiateOTLP, "application/x-protobuf or application/json"),
		events:      newEndpoint("events", negotiateCompact(compactEncoding{scope: metadata.ScopeName}), "application/json or text/plain (UTF-8)"),
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
	mux.Handle(pathLogs, r.serve(r.logs))
	mux.Handle(pathEvents, r.serve(r.events))
	return mux
}

func (r *extEventsReceiver) Start(ctx context.Context, host component.Host) error {
	// confighttp wraps the handler in otelhttp, whose server spans carry the
	// client address (client.address, network.peer.address): the HTTP layer
	// gets a no-op tracer provider. Its metrics carry no client attributes.
	serverTelemetry := r.settings.TelemetrySettings
	serverTelemetry.TracerProvider = tracenoop.NewTracerProvider()
	var err error
	r.server, err = r.cfg.serverConfig().ToServer(ctx, host.GetExtensions(), serverTelemetry, r.handler(),
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

// serverConfig is the confighttp configuration the server is built from: the
// receiver's, with Retry-After exposed to CORS clients. It is not a
// CORS-safelisted response header, so without Access-Control-Expose-Headers a
// browser hides it from an extension's fetch(), which then cannot honour a
// 429's or 503's delay. confighttp passes exposed_headers to rs/cors, which
// sends it on every answer to an allowed origin.
func (cfg *Config) serverConfig() *confighttp.ServerConfig {
	sc := cfg.ServerConfig
	if sc.CORS.HasValue() {
		cors := *sc.CORS.Get()
		if !slices.ContainsFunc(cors.ExposedHeaders, func(h string) bool { return strings.EqualFold(h, headerRetryAfter) }) {
			cors.ExposedHeaders = append(slices.Clip(cors.ExposedHeaders), headerRetryAfter)
		}
		sc.CORS = configoptional.Some(cors)
	}
	return &sc
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
