package testworkload_test

import (
	"fmt"

	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// The config of an edge collector as the end-to-end tests run it.
func ExampleConfig() {
	cfg, err := testworkload.Config{
		Endpoint:      "127.0.0.1:4318",
		Receiver:      map[string]any{"service_name": "sbi-extension"},
		MemoryLimiter: map[string]any{"check_interval": "1s", "limit_mib": 256},
		Minimize:      true,
		PolicyFile:    "config/policy.yaml",
		File:          "./data/events.jsonl",
		HealthPort:    13133,
		MetricsPort:   8888,
	}.Render()
	if err != nil {
		panic(err)
	}
	fmt.Print(cfg)
	// Output:
	// exporters:
	//   egress/file:
	//     file:
	//       path: ./data/events.jsonl
	//     policy_file: config/policy.yaml
	// extensions:
	//   health_check:
	//     endpoint: 127.0.0.1:13133
	// processors:
	//   memory_limiter:
	//     check_interval: 1s
	//     limit_mib: 256
	//   minimize:
	//     policy_file: config/policy.yaml
	// receivers:
	//   extevents:
	//     endpoint: 127.0.0.1:4318
	//     service_name: sbi-extension
	// service:
	//   extensions:
	//     - health_check
	//   pipelines:
	//     logs:
	//       exporters:
	//         - egress/file
	//       processors:
	//         - memory_limiter
	//         - minimize
	//       receivers:
	//         - extevents
	//   telemetry:
	//     metrics:
	//       readers:
	//         - pull:
	//             exporter:
	//               prometheus:
	//                 host: 127.0.0.1
	//                 port: 8888
}
