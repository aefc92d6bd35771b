package testworkload

import (
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFreePortsAreDistinctFreeAndOutsideTheEphemeralRange(t *testing.T) {
	lo := ephemeralLow()
	seen := map[int]bool{}
	for range 50 {
		ports, err := FreePorts(3)
		require.NoError(t, err)
		require.Len(t, ports, 3)
		for _, p := range ports {
			require.False(t, seen[p], "port %d handed out twice", p)
			seen[p] = true
			if lo > lowestPort {
				require.GreaterOrEqual(t, p, lowestPort)
				require.Less(t, p, lo, "a port the kernel hands to outgoing connections")
			}
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			require.NoError(t, err, "the port is free")
			require.NoError(t, l.Close())
		}
	}
}
