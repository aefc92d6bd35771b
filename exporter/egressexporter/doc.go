// Package egressexporter is the `egress` exporter: the single way out of the
// collector, to OTLP-JSON files or to an existing OTLP backend, behind a guard
// that drops every record the privacy policy does not allow.
//
//go:generate go tool mdatagen metadata.yaml
package egressexporter // import "github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter"
