package minimizeprocessor

import (
	"go.opentelemetry.io/collector/component"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// Config selects the policy to enforce: `policy_file`, an inline `policy`, or
// (neither) the seed policy built into the binary.
type Config struct {
	policy.Config `mapstructure:",squash"`
}

var _ component.Config = (*Config)(nil)

// Validate loads and compiles the policy, so a bad policy stops the collector
// at start with the file, the rule and the problem.
func (c *Config) Validate() error {
	return c.Config.Validate()
}
