package egressexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		return nil, err
	}
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	t.Run("file defaults", func(t *testing.T) {
		cfg, err := loadConfig(t, "file")
		require.NoError(t, err)
		require.True(t, cfg.File.HasValue())
		assert.False(t, cfg.OTLP.HasValue())
		fc := cfg.File.Get()
		assert.Equal(t, "./data/events.jsonl", fc.Path)
		assert.Equal(t, 100, fc.Rotation.MaxMegabytes)
		assert.Equal(t, 24*time.Hour, fc.Rotation.MaxAge)
		assert.Equal(t, 30, fc.RetentionDays)
		assert.Equal(t, compressionNone, fc.Compression)
		assert.Equal(t, time.Second, fc.FlushInterval)
		assert.True(t, cfg.QueueConfig.HasValue())
		assert.Nil(t, cfg.QueueConfig.Get().StorageID)
		assert.True(t, cfg.RetryConfig.Enabled)
		assert.Empty(t, cfg.Guard.PolicyFile)
	})
	t.Run("file full", func(t *testing.T) {
		cfg, err := loadConfig(t, "file_full")
		require.NoError(t, err)
		fc := cfg.File.Get()
		assert.Equal(t, 50, fc.Rotation.MaxMegabytes)
		assert.Equal(t, int64(50<<20), fc.rotationBytes())
		assert.Equal(t, time.Hour, fc.Rotation.MaxAge)
		assert.Equal(t, 7, fc.RetentionDays)
		assert.Equal(t, compressionGzip, fc.Compression)
		assert.Equal(t, 5*time.Second, fc.FlushInterval)
		assert.Equal(t, "../../config/policy.yaml", cfg.Guard.PolicyFile)
		require.NotNil(t, cfg.QueueConfig.Get().StorageID)
		assert.Equal(t, "file_storage", cfg.QueueConfig.Get().StorageID.String())
		assert.Equal(t, time.Duration(0), cfg.RetryConfig.MaxElapsedTime)
	})
	t.Run("otlp http", func(t *testing.T) {
		cfg, err := loadConfig(t, "backend")
		require.NoError(t, err)
		require.True(t, cfg.OTLP.HasValue())
		assert.False(t, cfg.File.HasValue())
		oc := cfg.OTLP.Get()
		assert.Equal(t, protocolHTTP, oc.Protocol)
		assert.Equal(t, "https://backend.example:4318", oc.HTTP.Endpoint)
		v, ok := oc.HTTP.Headers.Get("x-api-key")
		require.True(t, ok)
		assert.Equal(t, configopaque.String("secret"), v)
		assert.Equal(t, "/etc/otelcol-sbi/ca.pem", oc.HTTP.TLS.CAFile)
		assert.Equal(t, "gzip", string(oc.HTTP.Compression), "the otlp_http exporter's defaults apply")
		assert.Equal(t, 10*time.Second, cfg.TimeoutConfig.Timeout)
		assert.Equal(t, "file_storage", cfg.QueueConfig.Get().StorageID.String())
	})
	t.Run("otlp grpc", func(t *testing.T) {
		cfg, err := loadConfig(t, "grpc")
		require.NoError(t, err)
		oc := cfg.OTLP.Get()
		assert.Equal(t, protocolGRPC, oc.Protocol)
		assert.Equal(t, "backend.example:4317", oc.GRPC.Endpoint)
		assert.Equal(t, "pick_first", oc.GRPC.BalancerName)
	})
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"both", []string{"exactly one destination"}},
		{"neither", []string{"no destination"}},
		{"bad_protocol", []string{"`protocol` must be `http` or `grpc`"}},
		{"http_with_grpc_key", []string{"balancer_name"}},
		{"http_not_url", []string{"must be an http:// or https:// URL"}},
		{"bad_sizes", []string{"max_megabytes` must not be negative", "max_age` must not be negative", "retention_days` must not be negative", "flush_interval` must be positive"}},
		{"bad_compression", []string{"`compression` must be `none` or `gzip`"}},
		{"dir_path", []string{"is a directory"}},
		{"empty_path", []string{"`path` must not be empty"}},
		{"bad_policy", []string{"does-not-exist.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(t, tt.name)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestEndpointNotEchoed(t *testing.T) {
	secret := "https://user:hunter2@" // not a URL with a host: invalid
	cfg := createDefaultConfig().(*Config)
	oc := cfg.OTLP.GetOrInsertDefault()
	oc.HTTP.Endpoint = secret
	err := confmap.Validate(cfg)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
}
