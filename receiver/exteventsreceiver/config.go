// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
)

// Config defines the extevents receiver configuration.
type Config struct {
	// ServerConfig is squashed: endpoint, tls, cors, auth, max_request_body_size,
	// compression_algorithms, ... are top-level keys of the receiver.
	confighttp.ServerConfig `mapstructure:",squash"`

	// ServiceName is the resource service.name given to events of /v1/events.
	ServiceName string `mapstructure:"service_name"`

	// Limits bound what a single request may carry.
	Limits LimitsConfig `mapstructure:"limits"`

	// RateLimit is a per-client token bucket.
	RateLimit RateLimitConfig `mapstructure:"rate_limit"`

	// RetryAfter is the Retry-After the receiver sends with 503 when the
	// pipeline refuses data (for 429 it is computed from the token bucket).
	RetryAfter time.Duration `mapstructure:"retry_after"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// LimitsConfig bounds the size and shape of a request.
type LimitsConfig struct {
	// MaxDecompressedSize is the largest body the receiver reads after
	// decompression; a larger one (e.g. a gzip bomb) gets 413 and is never
	// buffered beyond this bound. 0 means max_request_body_size, which
	// confighttp already applies to the wire body and the decompressed body
	// alike, so this can only lower the decompressed bound.
	MaxDecompressedSize int64 `mapstructure:"max_decompressed_size"`
	// MaxEventsPerRequest is the most events (log records) a request may carry.
	MaxEventsPerRequest int `mapstructure:"max_events_per_request"`
	// MaxAttributesPerEvent is the most attributes one event may carry.
	MaxAttributesPerEvent int `mapstructure:"max_attributes_per_event"`
	// MaxKeyLength bounds attribute keys and event names, in bytes.
	MaxKeyLength int `mapstructure:"max_key_length"`
	// MaxValueLength bounds string attribute values, in bytes.
	MaxValueLength int `mapstructure:"max_value_length"`
}

// RateLimitConfig configures the per-client token bucket.
type RateLimitConfig struct {
	// RequestsPerSecond is the steady refill rate per client; 0 disables rate limiting.
	RequestsPerSecond float64 `mapstructure:"requests_per_second"`
	// Burst is the bucket size: requests a client may send at once.
	Burst int `mapstructure:"burst"`
	// MaxClients bounds the number of buckets kept in memory; the least
	// recently seen client is forgotten first.
	MaxClients int `mapstructure:"max_clients"`
}

const (
	defaultEndpoint           = "127.0.0.1:4318"
	defaultServiceName        = "sbi-extension"
	defaultMaxRequestBodySize = 1 << 20 // 1 MiB on the wire
	defaultMaxEvents          = 500
	defaultMaxAttributes      = 64
	defaultMaxKeyLength       = 128
	defaultMaxValueLength     = 4096 // room for a 2,048-character URL and more
	defaultRequestsPerSecond  = 10
	defaultBurst              = 50
	defaultMaxClients         = 10000
	defaultRetryAfter         = 5 * time.Second
	defaultReadHeaderTimeout  = 10 * time.Second
	defaultReadTimeout        = 30 * time.Second
)

var _ component.Config = (*Config)(nil)

// Validate checks the receiver configuration.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.NetAddr.Endpoint == "" {
		errs = append(errs, errors.New("endpoint must not be empty"))
	}
	if cfg.ServiceName == "" {
		errs = append(errs, errors.New("service_name must not be empty"))
	}
	if cfg.MaxRequestBodySize <= 0 {
		errs = append(errs, fmt.Errorf("max_request_body_size must be positive, got %d", cfg.MaxRequestBodySize))
	}
	if cfg.IncludeMetadata {
		errs = append(errs, errors.New("include_metadata must be false: the receiver never passes client metadata (address, headers) to the pipeline"))
	}
	l := cfg.Limits
	if l.MaxDecompressedSize < 0 {
		errs = append(errs, fmt.Errorf("limits::max_decompressed_size must not be negative, got %d", l.MaxDecompressedSize))
	}
	if cfg.MaxRequestBodySize > 0 && l.MaxDecompressedSize > cfg.MaxRequestBodySize {
		errs = append(errs, fmt.Errorf("limits::max_decompressed_size (%d) must not exceed max_request_body_size (%d): confighttp applies max_request_body_size to the decompressed body too", l.MaxDecompressedSize, cfg.MaxRequestBodySize))
	}
	if l.MaxEventsPerRequest <= 0 {
		errs = append(errs, fmt.Errorf("limits::max_events_per_request must be positive, got %d", l.MaxEventsPerRequest))
	}
	if l.MaxAttributesPerEvent <= 0 {
		errs = append(errs, fmt.Errorf("limits::max_attributes_per_event must be positive, got %d", l.MaxAttributesPerEvent))
	}
	if l.MaxKeyLength <= 0 {
		errs = append(errs, fmt.Errorf("limits::max_key_length must be positive, got %d", l.MaxKeyLength))
	}
	if l.MaxValueLength <= 0 {
		errs = append(errs, fmt.Errorf("limits::max_value_length must be positive, got %d", l.MaxValueLength))
	}
	r := cfg.RateLimit
	if r.RequestsPerSecond < 0 {
		errs = append(errs, fmt.Errorf("rate_limit::requests_per_second must not be negative, got %g", r.RequestsPerSecond))
	}
	if r.RequestsPerSecond > 0 {
		if r.Burst < 1 {
			errs = append(errs, fmt.Errorf("rate_limit::burst must be at least 1 when rate limiting is on, got %d", r.Burst))
		}
		if r.MaxClients < 1 {
			errs = append(errs, fmt.Errorf("rate_limit::max_clients must be at least 1 when rate limiting is on, got %d", r.MaxClients))
		}
	}
	if cfg.RetryAfter < time.Second {
		errs = append(errs, fmt.Errorf("retry_after must be at least 1s, got %s", cfg.RetryAfter))
	}
	return errors.Join(errs...)
}
