// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver/internal/metadata"
)

// NewFactory creates the factory of the extevents receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	srv := confighttp.NewDefaultServerConfig()
	srv.NetAddr.Endpoint = defaultEndpoint
	srv.MaxRequestBodySize = defaultMaxRequestBodySize
	// An Internet-facing edge: bound how long a client may take to send a
	// request (confighttp leaves the body unbounded by default), so slow
	// senders cannot hold connections open.
	srv.ReadHeaderTimeout = defaultReadHeaderTimeout
	srv.ReadTimeout = defaultReadTimeout
	return &Config{
		ServerConfig: srv,
		ServiceName:  defaultServiceName,
		Limits: LimitsConfig{
			MaxEventsPerRequest:   defaultMaxEvents,
			MaxAttributesPerEvent: defaultMaxAttributes,
			MaxKeyLength:          defaultMaxKeyLength,
			MaxValueLength:        defaultMaxValueLength,
		},
		RateLimit: RateLimitConfig{
			RequestsPerSecond: defaultRequestsPerSecond,
			Burst:             defaultBurst,
			MaxClients:        defaultMaxClients,
		},
		RetryAfter: defaultRetryAfter,
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newReceiver(cfg.(*Config), set, next)
}
