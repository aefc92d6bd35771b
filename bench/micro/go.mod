module github.com/sbi-telemetry/otelcol-sbi/bench/micro

go 1.26.8

require github.com/sbi-telemetry/otelcol-sbi v0.0.0

replace github.com/sbi-telemetry/otelcol-sbi => ../..
