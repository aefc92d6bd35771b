// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

//go:generate go tool mdatagen metadata.yaml

// Package exteventsreceiver implements the `extevents` receiver: the HTTP edge
// the Search by Image browser extension sends its events to. It accepts OTLP/HTTP
// logs on /v1/logs and a compact JSON event format on /v1/events, validates and
// bounds every request, maps events onto OTel log records (EventName), sets the
// resource's service.name and the records' observed time itself, and
// acknowledges a request only after the next consumer accepted its data.
//
// Every request goes through one pipeline (pipeline.go): method, rate limit
// (ratelimit.go), Content-Type, bounded read, decode with limits, stamp,
// next consumer, answer. The three encodings (compact JSON, OTLP protobuf,
// OTLP JSON) implement one interface (encoding.go); the compact one is the
// event format (compact.go) on a small JSON lexer (lexer.go). Every limit is a
// predicate on LimitsConfig (limits.go). Every failure's status, outcome
// label and message come from one table (failure.go); the HTTP writers are in
// response.go. The README has the same map with more detail.
package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"
