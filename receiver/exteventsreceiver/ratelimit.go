// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"container/list"
	"hash/maphash"
	"math"
	"net/netip"
	"sync"
	"time"
)

// rateLimiter is a per-client token bucket. A client is the remote address of
// the connection keyed as operators of public edges key it: an IPv4 address
// (IPv4-mapped IPv6 included) on its own, an IPv6 address by its /64, because
// one subscriber is given a whole /64 and could otherwise rotate through it
// past the limit. The key is kept only as a keyed hash (maphash with a
// per-process random seed): the address itself is never stored, logged or
// exported, and the hash cannot be correlated across restarts. The number of buckets is bounded; the
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

// clientKey hashes the client part of a remote address ("ip:port", as
// net/http gives it): the IPv4 address, or the /64 of an IPv6 one.
func (l *rateLimiter) clientKey(remoteAddr string) uint64 {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		// Not ip:port (a unix socket peer, a test transport): the whole
		// string is the client.
		return maphash.String(l.seed, remoteAddr)
	}
	k := clientPrefix(ap.Addr())
	return maphash.Bytes(l.seed, k[:])
}

// clientPrefix is the part of an address that identifies one client, as 16
// bytes: an IPv4 address (also when IPv4-mapped) whole, in its IPv4-mapped
// form; an IPv6 address with its last 64 bits (and zone) dropped. The two
// cannot collide: a /64 ends in eight zero bytes, a mapped IPv4 address has
// 0xffff in bytes 10-11.
func clientPrefix(a netip.Addr) [16]byte {
	a = a.Unmap()
	k := a.As16()
	if a.Is6() {
		clear(k[8:])
	}
	return k
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
