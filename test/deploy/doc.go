// Package deploy checks everything under deploy/ as Kubernetes, Prometheus and Grafana would
// read it, and against the built binary:
//
//   - deploy/k8s and deploy/k8s/monitoring are rendered with kustomize's own Go API (what
//     `kubectl apply -k` does) and every resulting object decodes strictly into its API type
//     (k8s.io/api, prometheus-operator monitoring/v1): a misspelled or misplaced field fails;
//   - deploy/operator decodes strictly into the OpenTelemetry Operator's v1beta1 type;
//   - deploy/helm/values.yaml decodes strictly into the chart keys it uses, and its config,
//     merged into the chart's default config the way Helm merges values, validates;
//   - every collector config shipped (k8s, container image, Operator, Helm) validates with
//     `otelcol-sbi validate` and pins the metric naming;
//   - every PromQL expression of the alert rules and the dashboard parses with the Prometheus
//     parser, and every metric they name is exposed by a running otelcol-sbi after a short load.
//
// It is a module of its own so that k8s.io/api, kustomize, the Operator and Prometheus stay out
// of the collector's module graph. The binary comes from OTELCOL_SBI_BIN (default
// ../../dist/otelcol-sbi); without it the binary checks skip, except under CI=true.
package deploy
