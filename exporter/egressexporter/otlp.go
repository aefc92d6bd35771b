package egressexporter // import "github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/otlpexporter"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/metadata"
)

// otlpDestination delegates to the collector's own OTLP exporter (otlp_http
// or otlp_grpc), built from its factory with the user's client config. Its
// queue and retry are off: the egress exporterhelper in front owns queueing,
// persistence, retry and the per-attempt timeout, and sees the inner
// exporter's errors (permanent for 4xx other than 429, and so on) unchanged.
type otlpDestination struct {
	inner exporter.Logs
	tb    *metadata.TelemetryBuilder
}

func newOTLPDestination(ctx context.Context, cfg *OTLPConfig, set exporter.Settings, tb *metadata.TelemetryBuilder) (*otlpDestination, error) {
	var (
		f    exporter.Factory
		icfg component.Config
	)
	switch cfg.Protocol {
	case protocolGRPC:
		f = otlpexporter.NewFactory()
		c := f.CreateDefaultConfig().(*otlpexporter.Config)
		c.ClientConfig = cfg.GRPC
		c.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
		c.RetryConfig.Enabled = false
		c.TimeoutConfig = exporterhelper.TimeoutConfig{} // the outer timeout applies
		icfg = c
	default:
		f = otlphttpexporter.NewFactory()
		c := f.CreateDefaultConfig().(*otlphttpexporter.Config)
		c.ClientConfig = cfg.HTTP
		c.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
		c.RetryConfig.Enabled = false
		icfg = c
	}
	name := "egress"
	if set.ID.Name() != "" {
		name += "_" + set.ID.Name()
	}
	iset := set
	iset.ID = component.NewIDWithName(f.Type(), name)
	// The delegate runs without queue or retry, so on every failed attempt its
	// exporterhelper logs "Exporting failed. Rejecting data." at error level,
	// although egress's own queue keeps the data and retries (and logs that).
	// Only the delegate's panics pass; its errors come back to egress.
	iset.Logger = set.Logger.With(zap.String("delegate", iset.ID.String())).
		WithOptions(zap.IncreaseLevel(zapcore.DPanicLevel))
	inner, err := f.CreateLogs(ctx, iset, icfg)
	if err != nil {
		return nil, err
	}
	return &otlpDestination{inner: inner, tb: tb}, nil
}

func (d *otlpDestination) start(ctx context.Context, host component.Host) error {
	return d.inner.Start(ctx, host)
}

func (d *otlpDestination) push(ctx context.Context, ld plog.Logs) error {
	n := ld.LogRecordCount()
	if err := d.inner.ConsumeLogs(ctx, ld); err != nil {
		return err
	}
	d.tb.EgressRecordsExported.Add(ctx, int64(n))
	return nil
}

func (d *otlpDestination) shutdown(ctx context.Context) error {
	return d.inner.Shutdown(ctx)
}
