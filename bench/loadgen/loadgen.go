// Package loadgen sends the workload of testworkload.Generator as OTLP/HTTP
// protobuf to a collector on the loopback interface, and checks a
// collector's output against what was acknowledged.
//
// The records are testworkload's: a pure function of (run id, sequence
// number), so a checker recomputes, from the acknowledged sequence numbers
// alone, which records must appear in the output and exactly what their
// minimized form must be.
package loadgen

import "github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"

// Generator is a workload generator that also sends its load (Run) and
// checks an output against it (Verify).
type Generator struct {
	*testworkload.Generator
}

// NewGenerator returns a generator; runID must be 1-12 letters a-z.
func NewGenerator(runID string, mix testworkload.Mix) (*Generator, error) {
	g, err := testworkload.NewGenerator(runID, mix)
	if err != nil {
		return nil, err
	}
	return &Generator{Generator: g}, nil
}
