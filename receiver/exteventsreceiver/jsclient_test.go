// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
)

// jsClientDir is the Node project that wraps the real OTel JS logs SDK;
// `make npm-deps` installs it.
var jsClientDir = filepath.Join("..", "..", "test", "jsclient")

// requireJSClient skips when the Node client is not installed on a developer
// machine, and fails in CI (CI=true), where `make test` installs it first.
func requireJSClient(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	_, statErr := os.Stat(filepath.Join(jsClientDir, "node_modules", "@opentelemetry", "exporter-logs-otlp-http"))
	if err == nil && statErr == nil {
		return node
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the OTel JS client is required in CI: node: %v, node_modules: %v (run `make npm-deps`)", err, statErr)
	}
	t.Skipf("OTel JS client not installed (node: %v, node_modules: %v); run `make npm-deps`", err, statErr)
	return ""
}

// TestOTelJSSDK sends logs with the real @opentelemetry/sdk-logs and
// @opentelemetry/exporter-logs-otlp-http (OTLP/HTTP JSON) and checks what the
// pipeline received.
func TestOTelJSSDK(t *testing.T) {
	node := requireJSClient(t)
	for _, compression := range []string{"none", "gzip"} {
		t.Run(compression, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			env := startReceiver(t, sink, nil)

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "emit.mjs", env.base+"/v1/logs", compression)
			cmd.Dir = jsClientDir
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "node output:\n%s", out)

			byName := map[string]plog.LogRecord{}
			for _, ld := range sink.AllLogs() {
				for i := 0; i < ld.ResourceLogs().Len(); i++ {
					rl := ld.ResourceLogs().At(i)
					sv, _ := rl.Resource().Attributes().Get("service.name")
					assert.Equal(t, "sbi-extension", sv.AsString())
					ver, _ := rl.Resource().Attributes().Get("service.version")
					assert.Equal(t, "3.2.1", ver.AsString())
					for j := 0; j < rl.ScopeLogs().Len(); j++ {
						sl := rl.ScopeLogs().At(j)
						assert.Equal(t, "sbi-extension-ui", sl.Scope().Name())
						for k := 0; k < sl.LogRecords().Len(); k++ {
							lr := sl.LogRecords().At(k)
							byName[lr.EventName()] = lr
						}
					}
				}
			}
			require.Len(t, byName, 3, "events received: %v", byName)

			ui := byName["ui.interaction"]
			assert.Equal(t, map[string]any{"ui.surface": "popup", "ui.control": "search_button", "ui.action": "click"}, ui.Attributes().AsRaw())
			assert.Equal(t, plog.SeverityNumber(9), ui.SeverityNumber())
			assert.NotZero(t, ui.Timestamp())

			settings := byName["settings.state"]
			assert.Equal(t, map[string]any{"setting.open_in_new_tab": true}, settings.Attributes().AsRaw(),
				"event.name attribute was normalized into EventName")

			search := byName["search.started"]
			assert.Equal(t, map[string]any{
				"search.trigger":     "context_menu",
				"search.marketplace": "aliexpress",
				"url.full":           "https://www.example.com/item/1005006123456789.html?spm=abc",
			}, search.Attributes().AsRaw(), "the receiver does not sanitize: that is the minimize processor's job")
		})
	}
}

// TestJSCompactClient posts compact events from Node as the README's fetch and
// sendBeacon examples do (JSON.stringify of Date.now() and ISO strings).
func TestJSCompactClient(t *testing.T) {
	node := requireJSClient(t)
	sink := new(consumertest.LogsSink)
	env := startReceiver(t, sink, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "compact.mjs", env.base+"/v1/events")
	cmd.Dir = jsClientDir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "node output:\n%s", out)
	assert.Contains(t, string(out), `fetch 200 {"accepted":2}`)
	assert.Contains(t, string(out), `beacon 200 {"accepted":1}`)

	require.Len(t, sink.AllLogs(), 2)
	recs := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 2, recs.Len())
	assert.Equal(t, "ui.interaction", recs.At(0).EventName())
	assert.Equal(t, "settings.state", recs.At(1).EventName())
	assert.Equal(t, map[string]any{"setting.open_in_new_tab": true, "setting.count": int64(3)}, recs.At(1).Attributes().AsRaw())
	for i := 0; i < recs.Len(); i++ {
		ts := recs.At(i).Timestamp().AsTime()
		assert.WithinDuration(t, time.Now(), ts, 5*time.Minute, "epoch ms and ISO time both decode")
	}
	beacon := sink.AllLogs()[1].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 1, beacon.Len())
	assert.Equal(t, "search.started", beacon.At(0).EventName())
}
