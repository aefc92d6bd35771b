// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The receiver's limits, all in this file and all read from the config
// (LimitsConfig, max_request_body_size). Both decoders ask these predicates:
// the compact decoder while it reads (a request over a limit is rejected whole
// with 400), the OTLP path after pdata unmarshalled it (a record over a limit
// is dropped and reported as partial success, as OTLP prescribes).

// maxAnyValueDepth bounds how deep a nested OTLP attribute value may be.
const maxAnyValueDepth = 4

// bodyLimit is the decompressed body bound the pipeline reads up to.
func (cfg *Config) bodyLimit() int64 {
	if cfg.Limits.MaxDecompressedSize > 0 {
		return cfg.Limits.MaxDecompressedSize
	}
	return cfg.MaxRequestBodySize
}

// eventsOK: n events (log records) fit in one request.
func (l *LimitsConfig) eventsOK(n int) bool { return n <= l.MaxEventsPerRequest }

// attributesOK: n attributes (or elements of a nested value) fit in one event.
func (l *LimitsConfig) attributesOK(n int) bool { return n <= l.MaxAttributesPerEvent }

// keyOK: an attribute key or event name of n bytes fits.
func (l *LimitsConfig) keyOK(n int) bool { return n <= l.MaxKeyLength }

// valueOK: a string (or bytes) value of n bytes fits.
func (l *LimitsConfig) valueOK(n int) bool { return n <= l.MaxValueLength }

// limitOTLP enforces the limits on decoded OTLP logs in place: records beyond
// max_events_per_request, or over any other limit, are removed, and so are the
// scopes and resources they leave empty.
func (l *LimitsConfig) limitOTLP(ld plog.Logs) (accepted, rejected int) {
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				if !l.eventsOK(accepted+1) || !l.recordOK(lr) {
					rejected++
					return true
				}
				accepted++
				return false
			})
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
	return accepted, rejected
}

// recordOK: an OTLP record's event name and attributes are within the limits.
func (l *LimitsConfig) recordOK(lr plog.LogRecord) bool {
	attrs := lr.Attributes()
	return l.keyOK(len(lr.EventName())) && l.attributesOK(attrs.Len()) && l.mapOK(attrs, 0)
}

func (l *LimitsConfig) mapOK(m pcommon.Map, depth int) bool {
	for k, v := range m.All() {
		if !l.keyOK(len(k)) || !l.anyValueOK(v, depth) {
			return false
		}
	}
	return true
}

func (l *LimitsConfig) anyValueOK(v pcommon.Value, depth int) bool {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return l.valueOK(len(v.Str()))
	case pcommon.ValueTypeBytes:
		return l.valueOK(v.Bytes().Len())
	case pcommon.ValueTypeMap:
		return depth < maxAnyValueDepth && l.attributesOK(v.Map().Len()) && l.mapOK(v.Map(), depth+1)
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		if depth >= maxAnyValueDepth || !l.attributesOK(s.Len()) {
			return false
		}
		for i := 0; i < s.Len(); i++ {
			if !l.anyValueOK(s.At(i), depth+1) {
				return false
			}
		}
	}
	return true
}
