package testworkload

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Loopback ports for the collectors a test starts.
//
// The race a port picker must avoid: a test learns a free port, releases it,
// and the collector binds it a moment later, or binds it again after a
// restart (the outage and crash tests stop a collector and start it on the
// same address). In between, any process can take the port. A port from the
// kernel's ephemeral range (what binding port 0 returns) is exactly what
// every outgoing connection on the machine is handed, so the window is open
// to all of them. FreePorts therefore picks ports below that range, which
// the kernel never hands out on its own: only a process binding that very
// port by number can take it.

// lowestPort is the bottom of the range FreePorts picks from: above the
// ports services conventionally use.
const lowestPort = 10000

var (
	portsMu sync.Mutex
	// handedOut holds every port FreePorts returned in this process, so two
	// collectors of one test binary never get the same one.
	handedOut = map[int]bool{}
)

// FreePorts returns n distinct loopback ports that are free now, that this
// process was not given before, and that lie below the kernel's ephemeral
// port range (where the system does not support that, ports the kernel
// picks).
func FreePorts(n int) ([]int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	hi := ephemeralLow()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			return nil, fmt.Errorf("testworkload: no free loopback port after %d tries", tries)
		}
		p := 0
		if hi > lowestPort {
			p = lowestPort + rand.IntN(hi-lowestPort)
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue // taken
		}
		p = l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if handedOut[p] {
			continue
		}
		handedOut[p] = true
		ports = append(ports, p)
	}
	return ports, nil
}

// ephemeralLow is the first port of the kernel's ephemeral range, or 0 when
// it cannot be read.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil {
		return 0
	}
	return lo
}
