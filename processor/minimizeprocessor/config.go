package minimizeprocessor

import (
	"go.opentelemetry.io/collector/component"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// Config selects the policy to enforce: `policy_file`, an inline `policy`, or
// (neither) the seed policy built into the binary. The keys and default are
// the egress guard's too.
type Config struct {
	// Source is validated by policy.Config.Validate, which the collector's
	// config walk calls (it loads and compiles the policy, so a bad policy
	// stops the collector at start with the file, the rule and the problem).
	Source policy.Config `mapstructure:",squash"`
}

var _ component.Config = (*Config)(nil)
