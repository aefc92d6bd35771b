package minimizeprocessor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
	"github.com/sbi-telemetry/otelcol-sbi/processor/minimizeprocessor/internal/metadata"
	"github.com/sbi-telemetry/otelcol-sbi/processor/minimizeprocessor/internal/metadatatest"
)

// inputEpoch is the time of the first record in testdata/input.json.
const inputEpoch = 1795860000 * time.Second

// readInput reads testdata/input.json as the receiver would hand it on at
// receipt: times shifted so the first record is at base, and the observed
// time of every record set to the time of receipt, base+10s.
func readInput(t *testing.T, base time.Time) plog.Logs {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "input.json"))
	require.NoError(t, err)
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(raw)
	require.NoError(t, err)
	shift := pcommon.Timestamp(base.UnixNano()) - pcommon.Timestamp(inputEpoch)
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				lr.SetTimestamp(lr.Timestamp() + shift)
				lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(base.Add(10 * time.Second)))
			}
		}
	}
	return ld
}

// wantMinimized is testdata/input.json after the seed policy, exactly
// (times as readInput sets them, from base).
func wantMinimized(base time.Time) string {
	ts := func(d time.Duration) string { return fmt.Sprintf("%d", base.Add(d).UnixNano()) }
	obs := ts(10 * time.Second)
	return `{"resourceLogs":[{"resource":{"attributes":[
	{"key":"service.name","value":{"stringValue":"sbi-extension"}},
	{"key":"service.version","value":{"stringValue":"3.2.1"}},
	{"key":"privacy.policy.version","value":{"stringValue":"` + policy.Seed().Version() + `"}}]},
  "scopeLogs":[{"scope":{},"logRecords":[
	{"timeUnixNano":"` + ts(0) + `","observedTimeUnixNano":"` + obs + `","severityNumber":9,"severityText":"INFO","body":{},"eventName":"ui.interaction",
	 "attributes":[
		{"key":"ui.surface","value":{"stringValue":"popup"}},
		{"key":"ui.control","value":{"stringValue":"search_button"}},
		{"key":"ui.action","value":{"stringValue":"click"}}]},
	{"timeUnixNano":"` + ts(time.Second) + `","observedTimeUnixNano":"` + obs + `","body":{},"eventName":"settings.state",
	 "attributes":[
		{"key":"setting.auto_search","value":{"boolValue":true}},
		{"key":"setting.show_page_button","value":{"boolValue":false}}]},
	{"timeUnixNano":"` + ts(2*time.Second) + `","observedTimeUnixNano":"` + obs + `","body":{},"eventName":"search.started",
	 "attributes":[
		{"key":"search.trigger","value":{"stringValue":"context_menu"}},
		{"key":"search.marketplace","value":{"stringValue":"aliexpress"}},
		{"key":"url.full","value":{"stringValue":"https://www.aliexpress.com/item/{id}.html"}}]},
	{"timeUnixNano":"` + ts(3*time.Second) + `","observedTimeUnixNano":"` + obs + `","body":{},"eventName":"search.started"}
  ]}]}]}`
}

// TestDefaultConfigExactOutput drives the processor through its factory with
// the default config (the embedded seed policy, no file at hand).
func TestDefaultConfigExactOutput(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := new(consumertest.LogsSink)
	f := NewFactory()
	proc, err := f.CreateLogs(context.Background(), metadatatest.NewSettings(tel), f.CreateDefaultConfig(), sink)
	require.NoError(t, err)
	require.NoError(t, proc.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, proc.Shutdown(context.Background())) })

	base := time.Now().Truncate(time.Second).Add(-time.Minute)
	require.NoError(t, proc.ConsumeLogs(context.Background(), readInput(t, base)))

	require.Len(t, sink.AllLogs(), 1)
	got, err := (&plog.JSONMarshaler{}).MarshalLogs(sink.AllLogs()[0])
	require.NoError(t, err)
	assert.JSONEq(t, wantMinimized(base), string(got))
	assert.NotContains(t, string(got), "PLANT")

	metadatatest.AssertEqualMinimizeRecordsIn(t, tel, []metricdata.DataPoint[int64]{{Value: 6}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualMinimizeRecordsDropped(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "missing_event_name"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "unknown_event"))},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualMinimizeAttributesDropped(t, tel, []metricdata.DataPoint[int64]{
		// user.id, ui.position, setting.Bad-Name; browser.name, user_agent.original
		// and client.address on the resource
		{Value: 6, Attributes: attribute.NewSet(attribute.String("reason", "not_allowed"))},
		// setting.theme, a name the extension does not have; a search.trigger
		// that is no user action; the client's forged policy stamp
		{Value: 3, Attributes: attribute.NewSet(attribute.String("reason", "vocabulary"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "condition"))},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualMinimizeValuesSanitized(t, tel, []metricdata.DataPoint[int64]{
		// the AliExpress item URL, and the URL of the search with no user
		// action (generalized before its condition drops it)
		{Value: 2, Attributes: attribute.NewSet(attribute.String("kind", "url"))},
	}, metricdatatest.IgnoreTimestamp())
}

func TestNothingAllowedIsNotForwarded(t *testing.T) {
	sink := new(consumertest.LogsSink)
	f := NewFactory()
	proc, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), f.CreateDefaultConfig(), sink)
	require.NoError(t, err)
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().SetEventName("page.viewed")
	require.NoError(t, proc.ConsumeLogs(context.Background(), ld))
	assert.Empty(t, sink.AllLogs(), "an empty batch is not sent downstream")
}

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cases := []struct {
		id          string
		wantVersion string
		wantErr     []string
	}{
		{id: "minimize", wantVersion: policy.Seed().Version()},
		{id: "minimize/file", wantVersion: policy.Seed().Version()},
		{id: "minimize/inline", wantVersion: "inline-1"},
		{id: "minimize/both", wantErr: []string{"mutually exclusive"}},
		{id: "minimize/missing", wantErr: []string{"testdata/does-not-exist.yaml", "no such file"}},
		{id: "minimize/bad", wantErr: []string{"testdata/bad-policy.yaml", `events."ui.interaction".attributes."ui.control".pattern`, "error parsing regexp"}},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tc.id)
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tc.wantErr != nil {
				require.Error(t, err)
				for _, w := range tc.wantErr {
					assert.Contains(t, err.Error(), w)
				}
				assert.Equal(t, 1, strings.Count(err.Error(), tc.wantErr[0]), "reported once: %v", err)
				return
			}
			require.NoError(t, err)
			p, err := cfg.(*Config).Source.Compile()
			require.NoError(t, err)
			assert.Equal(t, tc.wantVersion, p.Version())
		})
	}
}

func TestCreateFailsOnBadPolicy(t *testing.T) {
	cfg := &Config{}
	cfg.Source.PolicyFile = filepath.Join("testdata", "bad-policy.yaml")
	_, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "bad-policy.yaml"))
}
