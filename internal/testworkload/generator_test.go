package testworkload

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
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

func TestGeneratorIsDeterministicAndIDsAreLettersOnly(t *testing.T) {
	g, err := NewGenerator("abc", DefaultMix)
	require.NoError(t, err)
	_, err = NewGenerator("ab1", DefaultMix)
	require.Error(t, err, "digits in ids look like phone numbers to the policy's scanners")
	counts := map[Kind]int{}
	for s := int64(0); s < 20000; s++ {
		assert.Equal(t, g.KindOf(s), g.KindOf(s))
		counts[g.KindOf(s)]++
		assert.NotContains(t, g.UIControl(s+3_000_000_000), "0")
		assert.Regexp(t, `^[a-z][a-z0-9_.-]{0,63}$`, g.UIControl(s*1_000_003))
		assert.Regexp(t, `^setting\.[a-z][a-z0-9_]{0,63}$`, g.SettingKey(s*1_000_003))
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
