package policy

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIndexLinearAndMapAgree(t *testing.T) {
	for _, n := range []int{0, 1, linearMax, linearMax + 1, 50} {
		m := map[string]int{}
		for i := range n {
			m[fmt.Sprintf("key.%d", i)] = i
		}
		x := newIndex(m)
		assert.Equal(t, n > linearMax, x.m != nil, "n=%d", n)
		assert.Equal(t, n == 0, x.empty())
		for k, want := range m {
			got, ok := x.get(k)
			assert.True(t, ok, k)
			assert.Equal(t, want, got, k)
		}
		for _, k := range []string{"", "key.", "key.999", "KEY.1"} {
			_, ok := x.get(k)
			assert.False(t, ok, "n=%d %q", n, k)
		}
	}
}
