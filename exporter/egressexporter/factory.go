package egressexporter // import "github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter"

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/otlpexporter"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/metadata"
)

// NewFactory creates the factory of the egress exporter.
func NewFactory() exporter.Factory {
	return newFactory(time.Now)
}

// newFactory creates the factory with the clock its exporters' file
// destinations use: each exporter gets its clock from its factory, so tests
// inject one per exporter instead of swapping a package variable.
func newFactory(now func() time.Time) exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(func(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
			return createLogs(ctx, set, cfg, now)
		}, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	// The OTLP client defaults are the collector's own OTLP exporters'
	// (gzip, buffer sizes, HTTP timeout, gRPC balancer and keepalive).
	httpDefaults := otlphttpexporter.NewFactory().CreateDefaultConfig().(*otlphttpexporter.Config).ClientConfig
	grpcDefaults := otlpexporter.NewFactory().CreateDefaultConfig().(*otlpexporter.Config).ClientConfig
	return &Config{
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
		File: configoptional.Default(FileConfig{
			Rotation:      RotationConfig{MaxMegabytes: 100, MaxAge: 24 * time.Hour},
			RetentionDays: 30,
			Compression:   compressionNone,
			FlushInterval: time.Second,
		}),
		OTLP: configoptional.Default(OTLPConfig{
			Protocol: protocolHTTP,
			HTTP:     httpDefaults,
			GRPC:     grpcDefaults,
		}),
	}
}

// destination is where records go once they left the queue.
type destination interface {
	start(ctx context.Context, host component.Host) error
	push(ctx context.Context, ld plog.Logs) error
	shutdown(ctx context.Context) error
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config, now func() time.Time) (exporter.Logs, error) {
	c := cfg.(*Config)
	pol, err := c.Guard.Compile()
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}

	var dest destination
	switch {
	case c.File.HasValue():
		dest = newFileDestination(c.File.Get(), set, tb, now)
	case c.OTLP.HasValue():
		dest, err = newOTLPDestination(ctx, c.OTLP.Get(), set, tb)
		if err != nil {
			return nil, err
		}
	default:
		return nil, errNoDestination
	}

	queued, err := exporterhelper.NewLogs(ctx, set, cfg, dest.push,
		exporterhelper.WithStart(dest.start),
		exporterhelper.WithShutdown(func(ctx context.Context) error {
			err := dest.shutdown(ctx)
			tb.Shutdown()
			return err
		}),
		// The destination only reads the batch (the guard, which mutates,
		// runs before the queue and declares it below).
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithRetry(c.RetryConfig),
		exporterhelper.WithQueue(c.QueueConfig),
	)
	if err != nil {
		return nil, errors.Join(err, dest.shutdown(ctx))
	}
	if c.UnsafeDisableGuard {
		set.Logger.Warn("egress guard disabled (unsafe_disable_guard: true): records are exported without the privacy-policy check")
		return queued, nil
	}
	return newGuarded(queued, pol, set.Logger, tb), nil
}
