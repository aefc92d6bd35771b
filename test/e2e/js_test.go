package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// sendJS emits the jsclient's events through the real OpenTelemetry JS logs SDK
// (BatchLogRecordProcessor + OTLP/HTTP JSON exporter, from npm) and returns the lines they
// must become. The SDK stamps its own clock and adds its telemetry.sdk.* resource attributes
// and the logger's scope: all of that must go.
func sendJS(t *testing.T, endpoint, version string) []cLine {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "test", "jsclient")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "@opentelemetry", "sdk-logs"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the JS SDK client is not installed (run `make npm-deps`): %v", err)
		}
		t.Logf("skipping the OTel JS SDK part: %v (run `make npm-deps`)", err)
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "emit.mjs", endpoint+"/v1/logs")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "node emit.mjs: %s", out)
	// The three records are emitted before the batch timer can fire: one request, one line.
	require.Contains(t, string(out), "exported in 1 request(s)", "node emit.mjs: %s", out)
	require.False(t, strings.Contains(strings.ToLower(string(out)), "error"), "node emit.mjs: %s", out)

	return []cLine{{{
		Attrs: map[string]any{"service.name": "sbi-extension", "service.version": "3.2.1", "privacy.policy.version": version},
		Scopes: []cScope{{Records: []cRecord{
			{Event: "ui.interaction", Time: nowMarker, Observed: nowMarker, SevNum: int32(plog.SeverityNumberInfo),
				Attrs: map[string]any{"ui.surface": "popup", "ui.control": "search_button", "ui.action": "click"}},
			{Event: "settings.state", Time: nowMarker, Observed: nowMarker,
				Attrs: map[string]any{"setting.open_in_new_tab": true}},
			{Event: "search.started", Time: nowMarker, Observed: nowMarker,
				Attrs: map[string]any{"search.trigger": "context_menu", "search.marketplace": "aliexpress", "url.full": "https://www.example.com/item/{id}.html"}},
		}}},
	}}}
}
