// Package config embeds the seed privacy policy, so that a default-configured
// minimize processor or egress guard enforces it with no file at hand.
package config

import _ "embed"

// SeedPolicy is config/policy.yaml as built into the binary.
//
//go:embed policy.yaml
var SeedPolicy []byte
