// Package testworkload is what the tests and benchmarks of otelcol-sbi run
// it with, in one place: the synthetic extension traffic and the collector
// config. test/e2e, bench/micro, bench/reliability and bench/loadgen use it
// (bench/ is a module of its own that requires this one through a replace
// directive; the internal path is importable from there because bench/ sits
// beneath this module's root).
//
// Where each part lives:
//
//   - vocab.go: the extension's vocabulary the generators draw from
//     (surfaces, actions, triggers, marketplaces, setting names).
//   - generator.go: Generator, records as a pure function of (run id,
//     sequence number) with planted PII and their expected minimized form:
//     load runs whose output is checked record by record (bench/loadgen,
//     bench/reliability, bench/cmd).
//   - batch.go: RealisticBatch and ConformingBatch, seeded batches of
//     BatchRecords records in BatchResources resources with personal data
//     planted everywhere a client could put it, or already minimized: the
//     inputs of the engine, processor and exporter benchmarks (bench/micro).
//   - events.go: Events and Payloads, a conforming request of n events as
//     compact JSON, OTLP JSON and OTLP protobuf: the receiver benchmarks'
//     payload.
//   - config.go: Config, the collector config template (extevents, optional
//     memory_limiter and minimize, one egress exporter, the collector's own
//     metrics), rendered as YAML.
//   - ports.go: loopback ports for the collectors a test starts.
//
// The generators are deterministic for their inputs (run id, seed), so
// benchmark figures compare across runs and machines, and the fixtures made
// from them (bench/fileexporter-baseline/testdata) stay valid.
package testworkload // import "github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
