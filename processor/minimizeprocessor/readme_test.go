package minimizeprocessor

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// TestREADMEURLTable runs every example of the README's URL rule table through
// the seed policy, so the documentation cannot drift from the code.
func TestREADMEURLTable(t *testing.T) {
	f, err := os.Open("README.md")
	require.NoError(t, err)
	defer f.Close()
	rows := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(strings.ReplaceAll(sc.Text(), `\|`, "\x00"), " | ")
		if len(cells) != 3 || !strings.HasPrefix(cells[1], "`http") && !strings.HasPrefix(cells[1], "`") || !strings.HasSuffix(cells[2], " |") {
			continue
		}
		in := strings.ReplaceAll(strings.Trim(cells[1], "`"), "\x00", "|")
		out := strings.TrimSuffix(cells[2], " |")
		if !strings.HasPrefix(out, "`") && out != "*(dropped)*" {
			continue
		}
		rows++
		t.Run(strings.TrimPrefix(cells[0], "| "), func(t *testing.T) {
			ld := plog.NewLogs()
			lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
			lr.SetEventName("search.started")
			lr.Attributes().PutStr("search.trigger", "toolbar_button")
			lr.Attributes().PutStr("url.full", in)
			policy.Seed().Apply(ld)
			got, ok := lr.Attributes().Get("url.full")
			if out == "*(dropped)*" {
				assert.False(t, ok, "%s must be dropped", in)
				return
			}
			require.True(t, ok, "%s must be kept", in)
			assert.Equal(t, strings.Trim(out, "`"), got.Str())
		})
	}
	require.NoError(t, sc.Err())
	assert.GreaterOrEqual(t, rows, 40, "the README's URL table must have at least 40 examples")
}
