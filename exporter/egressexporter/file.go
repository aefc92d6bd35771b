package egressexporter // import "github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter"

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/filewriter"
	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/metadata"
)

// millEvery is how often retention runs when nothing rotates.
const millEvery = time.Minute

// fileDestination writes each batch as one OTLP-JSON ExportLogsServiceRequest
// line: the format contrib's file exporter writes and plogotlp reads.
type fileDestination struct {
	cfg    *FileConfig
	logger *zap.Logger
	tb     *metadata.TelemetryBuilder
	now    func() time.Time

	marshaler plog.JSONMarshaler
	w         *filewriter.Writer

	milling  chan struct{}
	stop     chan struct{}
	done     sync.WaitGroup
	stopOnce sync.Once
}

// newFileDestination returns the destination; now is its clock (file ages,
// rotation names, retention), time.Now outside tests.
func newFileDestination(cfg *FileConfig, set exporter.Settings, tb *metadata.TelemetryBuilder, now func() time.Time) *fileDestination {
	return &fileDestination{cfg: cfg, logger: set.Logger, tb: tb, now: now}
}

func (d *fileDestination) start(ctx context.Context, _ component.Host) error {
	w, err := filewriter.New(filewriter.Options{
		Path:      d.cfg.Path,
		MaxBytes:  d.cfg.rotationBytes(),
		MaxAge:    d.cfg.Rotation.MaxAge,
		Retention: time.Duration(d.cfg.RetentionDays) * 24 * time.Hour,
		Compress:  d.cfg.Compression == compressionGzip,
		Now:       d.now,
		OnRotate: func() {
			d.tb.EgressFileRotations.Add(context.Background(), 1)
			select {
			case d.milling <- struct{}{}:
			default:
			}
		},
	})
	if err != nil {
		return err
	}
	d.w = w
	d.milling = make(chan struct{}, 1)
	d.stop = make(chan struct{})
	d.done.Add(1)
	go d.loop()
	// Finish compression/retention a previous run may have left undone.
	d.milling <- struct{}{}
	return nil
}

// loop fsyncs on the flush interval, rotates an idle file that aged out and
// compresses/deletes rotated files off the write path.
func (d *fileDestination) loop() {
	defer d.done.Done()
	flush := time.NewTicker(d.cfg.FlushInterval)
	defer flush.Stop()
	lastMill := time.Time{}
	for {
		select {
		case <-d.stop:
			return
		case <-d.milling:
			d.mill()
			lastMill = d.now()
		case <-flush.C:
			if err := d.w.Sync(); err != nil {
				d.logger.Error("egress file sync failed", zap.Error(err))
			}
			if err := d.w.RotateIfAged(); err != nil {
				d.logger.Error("egress file rotation failed", zap.Error(err))
			}
			if now := d.now(); now.Sub(lastMill) >= millEvery || now.Before(lastMill) {
				d.mill()
				lastMill = now
			}
		}
	}
}

func (d *fileDestination) mill() {
	if err := d.w.Mill(); err != nil {
		d.logger.Error("egress file compression/retention failed", zap.Error(err))
	}
}

func (d *fileDestination) push(ctx context.Context, ld plog.Logs) error {
	line, err := d.marshaler.MarshalLogs(ld)
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	n, err := d.w.WriteLine(line)
	if err != nil {
		if errors.Is(err, filewriter.ErrClosed) {
			return consumererror.NewPermanent(err)
		}
		return err
	}
	d.tb.EgressBytesWritten.Add(ctx, int64(n))
	d.tb.EgressRecordsExported.Add(ctx, int64(ld.LogRecordCount()))
	return nil
}

// shutdown runs after the queue drained: fsync, close, compress, retention.
func (d *fileDestination) shutdown(context.Context) error {
	if d.w == nil {
		return nil
	}
	d.stopOnce.Do(func() { close(d.stop) })
	d.done.Wait()
	return d.w.Close()
}
