package testworkload

import (
	"fmt"
	"net"
	"sync"
)

var (
	portsMu sync.Mutex
	// handedOut holds every port FreePorts returned in this process, so two
	// collectors of one test binary never get the same one (the kernel may
	// hand a just-closed port out again).
	handedOut = map[int]bool{}
)

// FreePorts returns n distinct loopback ports that were free a moment ago
// and that this process was not given before. A port is only reserved while
// it is being chosen: nothing stops another process from binding it before
// the collector does (the kernel hands out ephemeral ports at random, so
// that takes another process binding the same one within the moment).
func FreePorts(n int) ([]int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for len(ports) < n {
		if len(held) > n+100 {
			return nil, fmt.Errorf("testworkload: no free loopback port after %d tries", len(held))
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("testworkload: free port: %w", err)
		}
		held = append(held, l) // held open: the next Listen cannot return it
		p := l.Addr().(*net.TCPAddr).Port
		if handedOut[p] {
			continue
		}
		handedOut[p] = true
		ports = append(ports, p)
	}
	return ports, nil
}
