// Package e2e holds the end-to-end tests of the otelcol-sbi distribution: they start the real
// binary that `make build` produces (its path comes from the environment variable
// OTELCOL_SBI_BIN, which `make test` sets), send it events the way the extension does, and
// assert what leaves the collector, byte for byte where it matters.
//
// Without OTELCOL_SBI_BIN the tests skip, unless CI=true, where a missing binary is a failure.
package e2e
