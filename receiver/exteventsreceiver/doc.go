// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

//go:generate go tool mdatagen metadata.yaml

// Package exteventsreceiver implements the `extevents` receiver: the HTTP edge
// the Search by Image browser extension sends its events to. It accepts OTLP/HTTP
// logs on /v1/logs and a compact JSON event format on /v1/events, validates and
// bounds every request, maps events onto OTel log records (EventName) and
// acknowledges a request only after the next consumer accepted its data.
package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"
