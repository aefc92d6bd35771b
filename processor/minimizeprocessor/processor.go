package minimizeprocessor

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
	"github.com/sbi-telemetry/otelcol-sbi/processor/minimizeprocessor/internal/metadata"
)

type minimizer struct {
	policy    *policy.Policy
	telemetry *metadata.TelemetryBuilder

	// Attribute sets are built once: recording a counter then allocates nothing.
	recordReasons [policy.NumRecordReasons]metric.AddOption
	attrReasons   [policy.NumAttrReasons]metric.AddOption
	kinds         [policy.NumSanitizeKinds]metric.AddOption
}

func newMinimizer(set processor.Settings, cfg *Config) (*minimizer, error) {
	pol, err := cfg.Source.Compile()
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	m := &minimizer{policy: pol, telemetry: tb}
	for i := range m.recordReasons {
		m.recordReasons[i] = reasonOption("reason", policy.RecordReason(i).String())
	}
	for i := range m.attrReasons {
		m.attrReasons[i] = reasonOption("reason", policy.AttrReason(i).String())
	}
	for i := range m.kinds {
		m.kinds[i] = reasonOption("kind", policy.SanitizeKind(i).String())
	}
	set.Logger.Info("Enforcing privacy policy", zap.String("policy_version", pol.Version()))
	return m, nil
}

func reasonOption(key, value string) metric.AddOption {
	return metric.WithAttributeSet(attribute.NewSet(attribute.String(key, value)))
}

func (m *minimizer) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	st := m.policy.Apply(ld)
	m.record(ctx, &st)
	if ld.LogRecordCount() == 0 {
		// Nothing the policy allows: do not send an empty batch downstream.
		return ld, processorhelper.ErrSkipProcessingData
	}
	return ld, nil
}

func (m *minimizer) record(ctx context.Context, st *policy.Stats) {
	m.telemetry.MinimizeRecordsIn.Add(ctx, int64(st.RecordsIn))
	for i, n := range st.RecordsDropped {
		if n > 0 {
			m.telemetry.MinimizeRecordsDropped.Add(ctx, int64(n), m.recordReasons[i])
		}
	}
	for i, n := range st.AttributesDropped {
		if n > 0 {
			m.telemetry.MinimizeAttributesDropped.Add(ctx, int64(n), m.attrReasons[i])
		}
	}
	for i, n := range st.ValuesSanitized {
		if n > 0 {
			m.telemetry.MinimizeValuesSanitized.Add(ctx, int64(n), m.kinds[i])
		}
	}
}

func (m *minimizer) shutdown(context.Context) error {
	m.telemetry.Shutdown()
	return nil
}
