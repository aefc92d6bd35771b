package main

import (
	"fmt"
	"io"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// runCheck validates a policy file with the function the collector's config
// validation calls for `minimize` and the `egress` guard (policy.Config's
// Validate, which loads and compiles the file), so the messages are the
// collector's own.
func runCheck(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: check takes one policy file", errUsage)
	}
	cfg := policy.Config{PolicyFile: args[0]}
	if err := cfg.Validate(); err != nil {
		return err
	}
	p, err := cfg.Compile()
	if err != nil {
		return err
	}
	d := p.Describe()
	_, err = fmt.Fprintf(stdout, "policy %s: version %s, %d events: OK\n", args[0], d.Version, len(d.Events))
	return err
}
