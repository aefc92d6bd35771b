// Package micro holds go test -bench comparisons of otelcol-sbi's components
// with the upstream components an ops team would otherwise deploy. It is its
// own module so that the product's go.mod does not carry upstream contrib.
package micro
