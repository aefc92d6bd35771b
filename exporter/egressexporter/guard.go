package egressexporter // import "github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/metadata"
	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// dropLogEvery bounds the guard's warnings: one per reason per interval,
// carrying the count since the previous one.
const dropLogEvery = 10 * time.Second

// guarded runs the policy guard in front of the exporterhelper exporter, so
// that neither the sending queue nor its persistent storage ever holds a
// record that does not conform to the policy.
type guarded struct {
	exporter.Logs // the exporterhelper exporter: queue, retry, destination

	pol      *policy.Policy
	tb       *metadata.TelemetryBuilder
	drops    *dropLogger
	reasonAt [policy.NumViolations]metric.AddOption

	shutdownOnce sync.Once
	shutdownErr  error
}

func newGuarded(next exporter.Logs, pol *policy.Policy, logger *zap.Logger, tb *metadata.TelemetryBuilder) *guarded {
	g := &guarded{
		Logs:  next,
		pol:   pol,
		tb:    tb,
		drops: newDropLogger(logger, pol.Version(), time.Now),
	}
	for i := range g.reasonAt {
		g.reasonAt[i] = metric.WithAttributeSet(attribute.NewSet(
			attribute.String("reason", policy.Violation(i).String())))
	}
	return g
}

// Capabilities: the guard removes records in place.
func (g *guarded) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (g *guarded) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	gs := g.pol.Guard(ld)
	dropped := false
	for i, n := range gs.Dropped {
		if n > 0 {
			g.tb.EgressRecordsDropped.Add(ctx, int64(n), g.reasonAt[i])
			dropped = true
		}
	}
	if dropped {
		g.drops.record(gs.Dropped)
	}
	if ld.LogRecordCount() == 0 {
		return nil
	}
	return g.Logs.ConsumeLogs(ctx, ld)
}

func (g *guarded) Start(ctx context.Context, host component.Host) error {
	return g.Logs.Start(ctx, host)
}

// Shutdown is idempotent (exporterhelper's is not).
func (g *guarded) Shutdown(ctx context.Context) error {
	g.shutdownOnce.Do(func() {
		g.shutdownErr = g.Logs.Shutdown(ctx)
		g.drops.flush()
	})
	return g.shutdownErr
}

// dropLogger reports guard drops without any record content: reason, count,
// policy version. At most one warning per reason per dropLogEvery; counts in
// between accumulate into the next warning (or the one at shutdown).
type dropLogger struct {
	logger  *zap.Logger
	version string
	now     func() time.Time

	mu      sync.Mutex
	last    [policy.NumViolations]time.Time
	pending [policy.NumViolations]int
}

func newDropLogger(logger *zap.Logger, version string, now func() time.Time) *dropLogger {
	return &dropLogger{logger: logger, version: version, now: now}
}

func (d *dropLogger) record(dropped [policy.NumViolations]int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for i, n := range dropped {
		if n == 0 {
			continue
		}
		d.pending[i] += n
		if d.last[i].IsZero() || now.Sub(d.last[i]) >= dropLogEvery {
			d.emit(i)
			d.last[i] = now
		}
	}
}

func (d *dropLogger) flush() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, n := range d.pending {
		if n > 0 {
			d.emit(i)
		}
	}
}

func (d *dropLogger) emit(i int) {
	d.logger.Warn("egress guard dropped log records that do not conform to the privacy policy (is `minimize` in this pipeline?)",
		zap.String("reason", policy.Violation(i).String()),
		zap.Int("dropped_records", d.pending[i]),
		zap.String("policy_version", d.version),
		zap.Duration("window", dropLogEvery))
	d.pending[i] = 0
}
