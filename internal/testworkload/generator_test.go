package testworkload

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		want    Mix
		wantErr string
	}{
		{in: "", want: DefaultMix},
		{in: "default", want: DefaultMix},
		{in: "ui=1,junk=3", want: Mix{KindUI: 1, KindJunkEvent: 3}},
		{in: "ui=1,nope=2", wantErr: "unknown kind"},
		{in: "ui", wantErr: "kind=weight"},
		{in: "ui=-1", wantErr: "non-negative"},
		{in: "ui=0", wantErr: "all weights are zero"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseMix(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, m)
		})
	}
}

func TestGeneratorIsDeterministic(t *testing.T) {
	g, err := NewGenerator("abc", DefaultMix)
	require.NoError(t, err)
	_, err = NewGenerator("ab1", DefaultMix)
	require.Error(t, err, "digits in markers look like phone numbers to the policy's scanners")
	counts := map[Kind]int{}
	for s := int64(0); s < 20000; s++ {
		assert.Equal(t, g.KindOf(s), g.KindOf(s))
		counts[g.KindOf(s)]++
	}
	// The mix is honoured within a few percent.
	for k := Kind(0); k < numKinds; k++ {
		assert.InDelta(t, float64(DefaultMix[k])/100, float64(counts[k])/20000, 0.02, k.String())
	}
	a, b := plog.NewLogs(), plog.NewLogs()
	now := time.Unix(1_800_000_000, 0)
	g.AppendBatch(a, 100, 50, now)
	g.AppendBatch(b, 100, 50, now)
	pa, _ := plogotlp.NewExportRequestFromLogs(a).MarshalProto()
	pb, _ := plogotlp.NewExportRequestFromLogs(b).MarshalProto()
	assert.Equal(t, pa, pb)
	assert.Contains(t, string(pa), MarkerPrefix+"abc", "PII markers are planted")
}

// BatchVersion is a one-to-one map of start sequence numbers onto extension
// versions the policy keeps.
func TestBatchVersion(t *testing.T) {
	tests := []struct {
		start int64
		want  string
	}{
		{0, "1.0.0.0"},
		{1, "1.0.0.1"},
		{65536, "1.0.1.0"},
		{3_000_000_000, "1.0.45776.24064"},
		{1<<48 - 1, "1.65535.65535.65535"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, BatchVersion(tt.start), "%d", tt.start)
	}
	seen := map[string]int64{}
	for _, s := range []int64{0, 1, 2, 65535, 65536, 1 << 32, 1<<32 + 1, 3_000_000_000, 3_000_000_050} {
		v := BatchVersion(s)
		_, dup := seen[v]
		require.False(t, dup, "%d and %d share %s", s, seen[v], v)
		seen[v] = s
	}
}

// The contract the load tests rest on: the seed policy turns a generated
// request into exactly the records Expect names (and nothing else that
// carries an acknowledged key), each in the request's resource.
func TestExpectIsWhatTheSeedPolicyKeeps(t *testing.T) {
	g, err := NewGenerator("exp", DefaultMix)
	require.NoError(t, err)
	now := time.Now()
	for _, start := range []int64{0, 1_000_000_000, 3_000_000_123} {
		ld := plog.NewLogs()
		g.AppendBatch(ld, start, 500, now)
		// The receiver's part: an older SDK's event.name attribute becomes EventName.
		records(ld, func(lr plog.LogRecord) {
			if v, ok := lr.Attributes().Get("event.name"); ok && lr.EventName() == "" {
				lr.SetEventName(v.Str())
				lr.Attributes().Remove("event.name")
			}
		})
		policy.Seed().Apply(ld)

		want := map[string]int{}
		for s := start; s < start+500; s++ {
			if e, ok := g.Expect(s); ok {
				want[e.Key(start)]++
			}
		}
		got := map[string]int{}
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			version, _ := rl.Resource().Attributes().Get("service.version")
			require.Equal(t, BatchVersion(start), version.AsString())
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				key := RecordKey(version.AsString(), lr.EventName(), lr.Attributes().AsRaw())
				if want[key] > 0 || lr.EventName() != "search.started" {
					got[key]++
				}
			}
		}
		assert.Equal(t, want, got, "batch %d", start)
	}
}
