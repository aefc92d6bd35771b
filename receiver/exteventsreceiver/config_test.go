// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	load := func(t *testing.T, name string) *Config {
		cfg := NewFactory().CreateDefaultConfig()
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		require.NoError(t, err)
		require.NoError(t, sub.Unmarshal(cfg))
		require.NoError(t, confmap.Validate(cfg))
		return cfg.(*Config)
	}

	t.Run("defaults", func(t *testing.T) {
		cfg := load(t, "")
		assert.Equal(t, "127.0.0.1:4318", cfg.NetAddr.Endpoint)
		assert.Equal(t, "sbi-extension", cfg.ServiceName)
		assert.Equal(t, int64(1<<20), cfg.MaxRequestBodySize)
		assert.Equal(t, int64(1<<20), cfg.bodyLimit())
		assert.False(t, cfg.IncludeMetadata)
		assert.Equal(t, LimitsConfig{MaxEventsPerRequest: 500, MaxAttributesPerEvent: 64, MaxKeyLength: 128, MaxValueLength: 4096}, cfg.Limits)
		assert.Equal(t, RateLimitConfig{RequestsPerSecond: 10, Burst: 50, MaxClients: 10000}, cfg.RateLimit)
		assert.Equal(t, 5*time.Second, cfg.RetryAfter)
		assert.Equal(t, 10*time.Second, cfg.ReadHeaderTimeout)
		assert.Equal(t, 30*time.Second, cfg.ReadTimeout)
	})
	t.Run("custom", func(t *testing.T) {
		cfg := load(t, "custom")
		assert.Equal(t, "0.0.0.0:14318", cfg.NetAddr.Endpoint)
		require.True(t, cfg.CORS.HasValue())
		assert.Equal(t, []string{"chrome-extension://abcdefghijklmnopabcdefghijklmnop"}, cfg.CORS.Get().AllowedOrigins)
		assert.Equal(t, "sbi-extension-beta", cfg.ServiceName)
		assert.Equal(t, int64(262144), cfg.MaxRequestBodySize)
		assert.Equal(t, int64(131072), cfg.bodyLimit())
		assert.Equal(t, LimitsConfig{MaxDecompressedSize: 131072, MaxEventsPerRequest: 100, MaxAttributesPerEvent: 16, MaxKeyLength: 64, MaxValueLength: 2048}, cfg.Limits)
		assert.Equal(t, RateLimitConfig{RequestsPerSecond: 2.5, Burst: 20, MaxClients: 1000}, cfg.RateLimit)
		assert.Equal(t, 10*time.Second, cfg.RetryAfter)
	})
	t.Run("rate limit off", func(t *testing.T) {
		cfg := load(t, "norate")
		assert.Nil(t, newRateLimiter(cfg.RateLimit, time.Now))
	})
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{name: "default is valid", mutate: func(*Config) {}},
		{name: "empty endpoint", mutate: func(c *Config) { c.NetAddr.Endpoint = "" }, wantErr: "endpoint must not be empty"},
		{name: "empty service name", mutate: func(c *Config) { c.ServiceName = "" }, wantErr: "service_name must not be empty"},
		{name: "include_metadata", mutate: func(c *Config) { c.IncludeMetadata = true }, wantErr: "include_metadata must be false"},
		{name: "body size", mutate: func(c *Config) { c.MaxRequestBodySize = 0 }, wantErr: "max_request_body_size must be positive"},
		{name: "decompressed negative", mutate: func(c *Config) { c.Limits.MaxDecompressedSize = -1 }, wantErr: "limits::max_decompressed_size must not be negative"},
		{name: "decompressed above body", mutate: func(c *Config) { c.Limits.MaxDecompressedSize = 2 << 20 }, wantErr: "must not exceed max_request_body_size"},
		{name: "events", mutate: func(c *Config) { c.Limits.MaxEventsPerRequest = 0 }, wantErr: "limits::max_events_per_request must be positive"},
		{name: "attributes", mutate: func(c *Config) { c.Limits.MaxAttributesPerEvent = 0 }, wantErr: "limits::max_attributes_per_event must be positive"},
		{name: "key length", mutate: func(c *Config) { c.Limits.MaxKeyLength = -3 }, wantErr: "limits::max_key_length must be positive"},
		{name: "value length", mutate: func(c *Config) { c.Limits.MaxValueLength = 0 }, wantErr: "limits::max_value_length must be positive"},
		{name: "negative rate", mutate: func(c *Config) { c.RateLimit.RequestsPerSecond = -1 }, wantErr: "rate_limit::requests_per_second must not be negative"},
		{name: "burst", mutate: func(c *Config) { c.RateLimit.Burst = 0 }, wantErr: "rate_limit::burst must be at least 1"},
		{name: "clients", mutate: func(c *Config) { c.RateLimit.MaxClients = 0 }, wantErr: "rate_limit::max_clients must be at least 1"},
		{name: "rate off ignores burst", mutate: func(c *Config) { c.RateLimit = RateLimitConfig{} }},
		{name: "retry after", mutate: func(c *Config) { c.RetryAfter = 0 }, wantErr: "retry_after must be at least 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.mutate(cfg)
			err := cfg.Validate()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
