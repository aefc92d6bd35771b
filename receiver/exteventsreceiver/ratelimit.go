// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"container/list"
	"hash/maphash"
	"math"
	"net"
	"sync"
	"time"
)

// rateLimiter is a per-client token bucket. A client is the remote IP of the
// connection, kept only as a keyed hash (maphash with a per-process random
// seed): the address itself is never stored, logged or exported, and the hash
// cannot be correlated across restarts. The number of buckets is bounded; the
// least recently seen client is forgotten first (it then starts with a full
// bucket, which is what a long-idle client would have anyway).
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64
	max   int
	seed  maphash.Seed
	now   func() time.Time

	mu      sync.Mutex
	lru     *list.List // of *bucket, most recently seen at the front
	clients map[uint64]*list.Element
}

type bucket struct {
	key    uint64
	tokens float64
	last   time.Time
}

func newRateLimiter(cfg RateLimitConfig, now func() time.Time) *rateLimiter {
	if cfg.RequestsPerSecond <= 0 {
		return nil
	}
	return &rateLimiter{
		rate:    cfg.RequestsPerSecond,
		burst:   float64(cfg.Burst),
		max:     cfg.MaxClients,
		seed:    maphash.MakeSeed(),
		now:     now,
		lru:     list.New(),
		clients: make(map[uint64]*list.Element, min(cfg.MaxClients, 1024)),
	}
}

// clientKey hashes the IP part of a remote address ("ip:port").
func (l *rateLimiter) clientKey(remoteAddr string) uint64 {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	return maphash.String(l.seed, host)
}

// allow takes one token from the client's bucket. When the bucket is empty it
// returns false and how long until a token is available.
func (l *rateLimiter) allow(remoteAddr string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	key := l.clientKey(remoteAddr)
	now := l.now()

	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if el, ok := l.clients[key]; ok {
		l.lru.MoveToFront(el)
		b = el.Value.(*bucket)
		elapsed := now.Sub(b.last).Seconds()
		if elapsed > 0 {
			b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		}
		b.last = now
	} else {
		if l.lru.Len() >= l.max {
			oldest := l.lru.Back()
			delete(l.clients, oldest.Value.(*bucket).key)
			l.lru.Remove(oldest)
		}
		b = &bucket{key: key, tokens: l.burst, last: now}
		l.clients[key] = l.lru.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// size reports the number of tracked clients (for tests).
func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1, as the
// Retry-After header carries delay-seconds.
func retryAfterSeconds(d time.Duration) int64 {
	s := int64(math.Ceil(d.Seconds()))
	if s < 1 {
		return 1
	}
	return s
}
