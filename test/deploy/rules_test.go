package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// expression is one PromQL expression and where it comes from.
type expression struct{ where, expr string }

// ruleExpressions are the PrometheusRule's alert and recording expressions.
func ruleExpressions(t *testing.T) []expression {
	t.Helper()
	var pr monitoringv1.PrometheusRule
	decodeStrict(t, "PrometheusRule", read(t, root(t), "deploy", "k8s", "monitoring", "prometheusrule.yaml"), &pr)
	var out []expression
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			out = append(out, expression{g.Name + "/" + r.Alert + r.Record, r.Expr.String()})
		}
	}
	return out
}

// grafanaVars are the dashboard's variables with values a query could take, so that the
// expressions parse as Grafana would send them.
var grafanaVars = strings.NewReplacer("$__rate_interval", "1m", "$__interval", "1m", "$namespace", "default", "$pod", "otelcol-sbi-0")

var labelValues = regexp.MustCompile(`^label_values\((.+),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$`)

// dashboardExpressions are every panel target's expr and every query variable's selector.
func dashboardExpressions(t *testing.T) []expression {
	t.Helper()
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	require.NoError(t, json.Unmarshal(read(t, root(t), "deploy", "k8s", "monitoring", "otelcol-sbi-dashboard.json"), &d))
	var out []expression
	for _, p := range d.Panels {
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, tg := range p.Targets {
			out = append(out, expression{"panel " + p.Title, grafanaVars.Replace(tg.Expr)})
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		m := labelValues.FindStringSubmatch(fmt.Sprint(q["query"]))
		require.Len(t, m, 2, "variable %s: expected label_values(selector, label)", v.Name)
		out = append(out, expression{"variable " + v.Name, grafanaVars.Replace(m[1])})
	}
	return out
}

// metricNames parses expr with the Prometheus parser and returns the metric names it selects.
func metricNames(expr string) ([]string, error) {
	node, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	var names []string
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			if vs.Name == "" {
				return fmt.Errorf("selector %s names no metric", vs)
			}
			names = append(names, vs.Name)
		}
		return nil
	})
	return names, nil
}

// TestPromQLParses: every expression of the rules and the dashboard parses, selects metrics by
// name, and the rules filter on the job the ServiceMonitor produces.
func TestPromQLParses(t *testing.T) {
	rules := ruleExpressions(t)
	require.NotEmpty(t, rules)
	alerts := map[string]bool{}
	for _, e := range rules {
		names, err := metricNames(e.expr)
		require.NoError(t, err, "%s: %s", e.where, e.expr)
		assert.NotEmpty(t, names, e.where)
		assert.Contains(t, e.expr, `job="otelcol-sbi"`, "%s filters on the collectors' job", e.where)
		alerts[e.where[strings.IndexByte(e.where, '/')+1:]] = true
	}
	// The alarms the issue asks for, by the metric each must watch.
	for metric, why := range map[string]string{
		"otelcol_egress_records_dropped_total":                       "guard drops (the privacy alarm)",
		"otelcol_exporter_queue_size":                                "queue filling",
		"otelcol_exporter_send_failed_log_records_total":             "send failures",
		"otelcol_processor_memory_limiter_refused_log_records_total": "memory limiter refusing",
		"otelcol_receiver_extevents_requests_total":                  "receiver 5xx/429 rates",
	} {
		found := false
		for _, e := range rules {
			found = found || strings.Contains(e.expr, metric)
		}
		assert.True(t, found, "no alert on %s (%s)", metric, why)
	}
	for _, e := range dashboardExpressions(t) {
		_, err := metricNames(e.expr)
		assert.NoError(t, err, "%s: %s", e.where, e.expr)
	}
	// A malformed expression must fail (the parser is really checking).
	_, err := metricNames(`sum by (pod (rate(x[5m]))`)
	assert.Error(t, err)
}

// TestMonitoredMetricsExist starts otelcol-sbi with the shipped telemetry settings and a set of
// pipelines that exercise every path the rules watch (minimized export, policy drops, a guard
// seeing unminimized records, a memory limiter at its limit, a backend that is down with a
// one-request queue), sends a short load, and requires every metric the rules and the
// dashboard name in its /metrics. An upgrade that renames one fails here.
func TestMonitoredMetricsExist(t *testing.T) {
	bin := binary(t)
	want := map[string][]string{}
	for _, e := range append(ruleExpressions(t), dashboardExpressions(t)...) {
		names, err := metricNames(e.expr)
		require.NoError(t, err)
		for _, n := range names {
			want[n] = append(want[n], e.where)
		}
	}

	// The metrics settings exactly as shipped, on a free loopback port.
	shipped := parseConfig(t, string(read(t, root(t), "deploy", "k8s", "otelcol.yaml")))
	metrics := get(t, shipped, "service", "telemetry", "metrics").(map[string]any)
	prom := get(t, metrics, "readers", 0, "pull", "exporter", "prometheus").(map[string]any)
	metricsPort := freePort(t)
	prom["host"], prom["port"] = "127.0.0.1", metricsPort

	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(policy, read(t, root(t), "config", "policy.yaml"), 0o600))
	ports := map[string]int{}
	receivers := map[string]any{}
	for _, name := range []string{"main", "backend", "guard", "tight"} {
		ports[name] = freePort(t)
		receivers["extevents/"+name] = map[string]any{
			"endpoint": fmt.Sprintf("127.0.0.1:%d", ports[name]), "rate_limit": map[string]any{"requests_per_second": 0},
		}
	}
	dead := freePort(t) // nothing listens here: the backend is down
	cfg := map[string]any{
		"extensions": map[string]any{"file_storage": map[string]any{"directory": dir}},
		"receivers":  receivers,
		"processors": map[string]any{
			"memory_limiter":       map[string]any{"check_interval": "1s", "limit_mib": 256},
			"memory_limiter/tight": map[string]any{"check_interval": "100ms", "limit_mib": 2, "spike_limit_mib": 1},
			"minimize":             map[string]any{"policy_file": policy},
		},
		"exporters": map[string]any{
			"egress/file": map[string]any{"policy_file": policy, "file": map[string]any{"path": filepath.Join(dir, "out.jsonl")}},
			"egress/backend": map[string]any{"policy_file": policy,
				"otlp":             map[string]any{"protocol": "http", "endpoint": fmt.Sprintf("http://127.0.0.1:%d", dead)},
				"sending_queue":    map[string]any{"storage": "file_storage", "queue_size": 1},
				"retry_on_failure": map[string]any{"enabled": true, "initial_interval": "30s", "max_elapsed_time": "0s"}},
			"egress/guard": map[string]any{"policy_file": policy, "file": map[string]any{"path": filepath.Join(dir, "guard.jsonl")}},
		},
		"service": map[string]any{
			"extensions": []any{"file_storage"},
			"telemetry":  map[string]any{"logs": map[string]any{"level": "warn"}, "metrics": metrics},
			"pipelines": map[string]any{
				"logs/main":    map[string]any{"receivers": []any{"extevents/main"}, "processors": []any{"memory_limiter", "minimize"}, "exporters": []any{"egress/file"}},
				"logs/backend": map[string]any{"receivers": []any{"extevents/backend"}, "processors": []any{"memory_limiter", "minimize"}, "exporters": []any{"egress/backend"}},
				// Mis-wired on purpose: no minimize, so the guard sees raw records.
				"logs/guard": map[string]any{"receivers": []any{"extevents/guard"}, "exporters": []any{"egress/guard"}},
				"logs/tight": map[string]any{"receivers": []any{"extevents/tight"}, "processors": []any{"memory_limiter/tight", "minimize"}, "exporters": []any{"egress/file"}},
			},
		},
	}
	raw, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	cfgPath := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfgPath, raw, 0o600))

	logPath := filepath.Join(dir, "collector.log")
	logf, err := os.Create(logPath)
	require.NoError(t, err)
	defer logf.Close()
	cmd := exec.Command(bin, "--config", "file:"+cfgPath)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})

	client := &http.Client{Timeout: 5 * time.Second}
	send := func(port int, body string) {
		resp, err := client.Post(fmt.Sprintf("http://127.0.0.1:%d/v1/events", port), "application/json", strings.NewReader(body))
		if err == nil {
			resp.Body.Close()
		}
	}
	const valid = `{"service_version":"3.2.1","events":[{"name":"ui.interaction","time":"%s","attributes":{"ui.surface":"popup","ui.control":"search_button","ui.action":"click"}}]}`
	const unknown = `{"service_version":"3.2.1","events":[{"name":"page.view","time":"%s","attributes":{}}]}`
	var missing []string
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-done:
			t.Fatalf("otelcol-sbi exited: %s", read(t, logPath))
		default:
		}
		now := time.Now().UTC().Format(time.RFC3339)
		for _, name := range []string{"main", "backend", "guard", "tight"} {
			send(ports[name], fmt.Sprintf(valid, now))
		}
		send(ports["main"], fmt.Sprintf(unknown, now))
		exposed, err := scrape(client, metricsPort)
		missing = missing[:0]
		if err == nil {
			for name := range want {
				if !exposed[name] {
					missing = append(missing, name)
				}
			}
		}
		if err == nil && len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			sort.Strings(missing)
			for _, m := range missing {
				t.Errorf("%s (used by %v) is not in otelcol-sbi's /metrics", m, want[m])
			}
			t.Fatalf("scrape error %v; collector log:\n%s", err, read(t, logPath))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("all %d metrics the rules and the dashboard use are exposed", len(want))
}

// scrape returns the metric names exposed on 127.0.0.1:port/metrics.
func scrape(client *http.Client, port int) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/metrics", port), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names, sc.Err()
}
