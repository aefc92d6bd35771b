package testworkload

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

func records(ld plog.Logs, fn func(plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				fn(lrs.At(k))
			}
		}
	}
}

func proto(t *testing.T, ld plog.Logs) []byte {
	t.Helper()
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	require.NoError(t, err)
	return b
}

var at = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func TestRealisticBatchShape(t *testing.T) {
	b := RealisticBatch(BatchSeed, at)
	require.Equal(t, BatchRecords, b.Logs.LogRecordCount())
	require.Equal(t, BatchResources, b.Logs.ResourceLogs().Len())
	counts := map[string]int{}
	traced := 0
	records(b.Logs, func(lr plog.LogRecord) {
		counts[lr.EventName()]++
		if !lr.TraceID().IsEmpty() {
			traced++
		}
	})
	require.Equal(t, BatchUIInteractions, counts["ui.interaction"])
	require.Equal(t, BatchSettingsStates, counts["settings.state"])
	require.Equal(t, BatchSearches, counts["search.started"])
	require.Equal(t, 15, BatchJunk)
	require.Positive(t, counts[""], "some junk has no event name")
	require.Greater(t, len(b.Planted), 50, "PII is planted throughout")
	require.Positive(t, traced)

	// Deterministic: the same seed gives the same batch.
	require.Equal(t, proto(t, b.Logs), proto(t, RealisticBatch(BatchSeed, at).Logs))
	require.NotEqual(t, proto(t, b.Logs), proto(t, RealisticBatch(BatchSeed+1, at).Logs))
	records(b.Logs, func(lr plog.LogRecord) {
		ts := lr.Timestamp().AsTime()
		assert.True(t, ts.Before(at) && !ts.Before(at.Add(-time.Hour-2*time.Second)), "event time in the hour before receipt")
		assert.False(t, lr.ObservedTimestamp().AsTime().After(at))
	})
}

func TestConformingBatchShape(t *testing.T) {
	ld := ConformingBatch(BatchSeed, "2026.12", at)
	require.Equal(t, BatchRecords, ld.LogRecordCount())
	counts := map[string]int{}
	records(ld, func(lr plog.LogRecord) {
		counts[lr.EventName()]++
		assert.Equal(t, pcommon.ValueTypeEmpty, lr.Body().Type(), "no body")
		assert.True(t, lr.TraceID().IsEmpty())
		assert.Zero(t, uint64(lr.Timestamp())%1e9, "whole seconds")
		assert.True(t, lr.Timestamp().AsTime().Before(at))
	})
	assert.Equal(t, map[string]int{"ui.interaction": 50, "settings.state": 25, "search.started": 25}, counts)
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		v, ok := ld.ResourceLogs().At(i).Resource().Attributes().Get("privacy.policy.version")
		require.True(t, ok)
		assert.Equal(t, "2026.12", v.Str())
	}
	require.Equal(t, proto(t, ld), proto(t, ConformingBatch(BatchSeed, "2026.12", at)))
}

func TestPayloadsAgree(t *testing.T) {
	compact, otlpJSON, otlpProto, err := Payloads(50)
	require.NoError(t, err)
	require.Len(t, Events(50), 50)
	fromJSON := plogotlp.NewExportRequest()
	require.NoError(t, fromJSON.UnmarshalJSON(otlpJSON))
	fromProto := plogotlp.NewExportRequest()
	require.NoError(t, fromProto.UnmarshalProto(otlpProto))
	assert.Equal(t, proto(t, fromJSON.Logs()), proto(t, fromProto.Logs()), "both OTLP encodings carry the same records")
	assert.Equal(t, 50, fromProto.Logs().LogRecordCount())
	assert.Contains(t, string(compact), `"service_version":"3.2.1"`)
	assert.Equal(t, 50, strings.Count(string(compact), `"name":`))
}
