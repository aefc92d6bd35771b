// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestRateLimiterTokenBucket(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newRateLimiter(RateLimitConfig{RequestsPerSecond: 2, Burst: 3, MaxClients: 10}, clk.now)

	for i := 0; i < 3; i++ {
		ok, _ := l.allow("10.0.0.1:5000")
		require.True(t, ok, "burst request %d", i)
	}
	ok, wait := l.allow("10.0.0.1:5001") // another port, same client
	require.False(t, ok)
	assert.Equal(t, 500*time.Millisecond, wait)
	assert.Equal(t, int64(1), retryAfterSeconds(wait))

	ok, _ = l.allow("10.0.0.2:5000")
	assert.True(t, ok, "another client has its own bucket")

	clk.advance(499 * time.Millisecond)
	ok, _ = l.allow("10.0.0.1:5000")
	assert.False(t, ok)
	clk.advance(2 * time.Millisecond)
	ok, _ = l.allow("10.0.0.1:5000")
	assert.True(t, ok, "refilled after 1/rate")

	clk.advance(time.Hour)
	for i := 0; i < 3; i++ {
		ok, _ = l.allow("10.0.0.1:5000")
		require.True(t, ok)
	}
	ok, _ = l.allow("10.0.0.1:5000")
	assert.False(t, ok, "refill is capped at burst")
}

func TestRateLimiterBoundedClients(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newRateLimiter(RateLimitConfig{RequestsPerSecond: 1, Burst: 1, MaxClients: 3}, clk.now)
	for i := 0; i < 100; i++ {
		ok, _ := l.allow(fmt.Sprintf("192.0.2.%d:1", i))
		require.True(t, ok)
		require.LessOrEqual(t, l.size(), 3)
	}
	assert.Equal(t, 3, l.size())
	// The most recent clients are remembered, the oldest forgotten.
	ok, _ := l.allow("192.0.2.99:1")
	assert.False(t, ok)
	ok, _ = l.allow("192.0.2.0:1")
	assert.True(t, ok, "evicted client starts with a full bucket")
}

func TestRateLimiterClientKey(t *testing.T) {
	l := newRateLimiter(RateLimitConfig{RequestsPerSecond: 1, Burst: 1, MaxClients: 3}, time.Now)
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"IPv4: port ignored", "203.0.113.7:1", "203.0.113.7:2", true},
		{"IPv4: by address", "203.0.113.7:1", "203.0.113.8:1", false},
		{"IPv4-mapped IPv6 is IPv4", "[::ffff:203.0.113.7]:1", "203.0.113.7:2", true},
		{"IPv4-mapped: by address", "[::ffff:203.0.113.7]:1", "203.0.113.8:1", false},
		{"IPv6: port ignored", "[2001:db8::1]:443", "[2001:db8::1]:80", true},
		{"IPv6: one /64", "[2001:db8:1:2::1]:1", "[2001:db8:1:2:ffff:ffff:ffff:ffff]:1", true},
		{"IPv6: another /64", "[2001:db8:1:2::1]:1", "[2001:db8:1:3::1]:1", false},
		{"IPv6: /64 boundary", "[2001:db8:1:2::]:1", "[2001:db8:1:1:ffff:ffff:ffff:ffff]:1", false},
		{"IPv6: zone ignored", "[fe80::1%eth0]:1", "[fe80::2]:1", true},
		{"IPv4 is not the IPv6 /64 of zeros", "0.0.0.0:1", "[::1]:1", false},
		{"not ip:port: the string", "@", "@", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.same {
				assert.Equal(t, l.clientKey(tt.a), l.clientKey(tt.b))
			} else {
				assert.NotEqual(t, l.clientKey(tt.a), l.clientKey(tt.b))
			}
		})
	}
	// Another limiter (another process) has another seed: keys do not correlate.
	l2 := newRateLimiter(RateLimitConfig{RequestsPerSecond: 1, Burst: 1, MaxClients: 3}, time.Now)
	assert.NotEqual(t, l.clientKey("203.0.113.7:1"), l2.clientKey("203.0.113.7:1"))
}

// Property: two IPv6 addresses are one client exactly when their first 64
// bits are equal; an IPv4 address is one client with its IPv4-mapped form and
// with no IPv6 address.
func TestClientPrefixProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2)) // fixed seed: the same cases every run
	for range 10000 {
		var a, b [16]byte
		for i := range a {
			a[i] = byte(rng.Uint32())
		}
		b = a
		if rng.IntN(2) == 0 { // same /64, another host part
			for i := 8; i < 16; i++ {
				b[i] = byte(rng.Uint32())
			}
		} else { // flip one bit of the prefix
			bit := rng.IntN(64)
			b[bit/8] ^= 1 << (bit % 8)
		}
		x, y := netip.AddrFrom16(a), netip.AddrFrom16(b)
		if x.Is4In6() || y.Is4In6() {
			continue
		}
		require.Equal(t, string(a[:8]) == string(b[:8]), clientPrefix(x) == clientPrefix(y), "%s %s", x, y)

		v4 := netip.AddrFrom4([4]byte{a[0], a[1], a[2], a[3]})
		require.Equal(t, clientPrefix(v4), clientPrefix(netip.AddrFrom16(v4.As16())), "%s mapped", v4)
		require.NotEqual(t, clientPrefix(v4), clientPrefix(x), "%s vs %s", v4, x)
	}
}

// Through the bucket: two addresses in one /64 share it, another /64 does not.
func TestRateLimiterSharesBucketPer64(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newRateLimiter(RateLimitConfig{RequestsPerSecond: 1, Burst: 1, MaxClients: 10}, clk.now)
	ok, _ := l.allow("[2001:db8:aa:bb::1]:5000")
	require.True(t, ok)
	ok, wait := l.allow("[2001:db8:aa:bb:1234:5678:9abc:def0]:5001")
	assert.False(t, ok, "same /64: same bucket")
	assert.Equal(t, time.Second, wait)
	ok, _ = l.allow("[2001:db8:aa:bc::1]:5000")
	assert.True(t, ok, "another /64: its own bucket")
	ok, _ = l.allow("198.51.100.1:1")
	assert.True(t, ok)
	ok, _ = l.allow("198.51.100.2:1")
	assert.True(t, ok, "IPv4: each address its own bucket")
	ok, _ = l.allow("[::ffff:198.51.100.1]:2")
	assert.False(t, ok, "IPv4-mapped: the IPv4 address's bucket")
	assert.Equal(t, 4, l.size())
}

func TestRateLimiterDisabled(t *testing.T) {
	l := newRateLimiter(RateLimitConfig{}, time.Now)
	require.Nil(t, l)
	ok, wait := l.allow("10.0.0.1:1")
	assert.True(t, ok)
	assert.Zero(t, wait)
}

func TestRetryAfterSeconds(t *testing.T) {
	assert.Equal(t, int64(1), retryAfterSeconds(0))
	assert.Equal(t, int64(1), retryAfterSeconds(10*time.Millisecond))
	assert.Equal(t, int64(2), retryAfterSeconds(1001*time.Millisecond))
	assert.Equal(t, int64(100), retryAfterSeconds(100*time.Second))
}

// Through the handler: the bucket is the client's /64 on both endpoints.
func TestRateLimitPer64ThroughHandler(t *testing.T) {
	sink := new(consumertest.LogsSink)
	h := newDirectReceiver(t, sink, time.Unix(1_700_000_000, 0), func(c *Config) {
		c.RateLimit = RateLimitConfig{RequestsPerSecond: 0.01, Burst: 1, MaxClients: 10}
	})
	send := func(remote, path, ct string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	require.Equal(t, http.StatusOK, send("[2001:db8:5:6::1]:4000", pathEvents, contentTypeJSON, []byte(compactBody)).Code)
	rec := send("[2001:db8:5:6:a:b:c:d]:4001", pathLogs, contentTypeProto, otlpProto(t, sampleLogs()))
	assert.Equal(t, http.StatusTooManyRequests, rec.Code, "another address of the same /64")
	assert.NotEmpty(t, rec.Header().Get("Retry-After"))
	assert.Equal(t, http.StatusOK, send("[2001:db8:5:7::1]:4000", pathEvents, contentTypeJSON, []byte(compactBody)).Code, "another /64")
	assert.Equal(t, 4, sink.LogRecordCount())
}
