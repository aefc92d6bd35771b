// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestRateLimiterKeyIsHashedIP(t *testing.T) {
	l := newRateLimiter(RateLimitConfig{RequestsPerSecond: 1, Burst: 1, MaxClients: 3}, time.Now)
	assert.Equal(t, l.clientKey("[2001:db8::1]:443"), l.clientKey("[2001:db8::1]:80"))
	assert.NotEqual(t, l.clientKey("[2001:db8::1]:443"), l.clientKey("[2001:db8::2]:443"))
	// Another limiter (another process) has another seed: keys do not correlate.
	l2 := newRateLimiter(RateLimitConfig{RequestsPerSecond: 1, Burst: 1, MaxClients: 3}, time.Now)
	assert.NotEqual(t, l.clientKey("203.0.113.7:1"), l2.clientKey("203.0.113.7:1"))
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
