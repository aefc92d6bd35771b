// Package baseline benchmarks contrib's file exporter v0.161.0 on the same
// minimized batches as bench/micro's egress file benchmark. It is its own
// module because contrib fileexporter does not resolve past v0.161.0, which
// needs collector core v0.161.0 / v1.67.0, while otelcol-sbi is on v0.165.0 /
// v1.71.0: the two cannot share a module.
package baseline
