// Package slotcache is a bounded, direct-mapped cache from strings to values,
// safe for concurrent use without locks: each key hashes to one slot holding
// an atomic pointer to its entry, and a colliding key replaces the entry. The
// policy engine's caches (generalized hosts and URLs, accepted pattern values)
// are optimizations, never rules: a miss recomputes, so losing an entry to a
// collision costs time, not correctness.
package slotcache

import (
	"hash/maphash"
	"sync/atomic"
)

// Cache maps keys to values in a fixed number of slots. A nil *Cache holds
// nothing and stores nothing.
type Cache[V any] struct {
	seed  maphash.Seed
	slots []atomic.Pointer[entry[V]]
}

type entry[V any] struct {
	key string
	val V
}

// New returns a cache of n slots (n > 0).
func New[V any](n int) *Cache[V] {
	return &Cache[V]{seed: maphash.MakeSeed(), slots: make([]atomic.Pointer[entry[V]], n)}
}

// Get returns the value stored under key.
func (c *Cache[V]) Get(key string) (v V, ok bool) {
	if c == nil {
		return v, false
	}
	if e := c.slot(maphash.String(c.seed, key)).Load(); e != nil && e.key == key {
		return e.val, true
	}
	return v, false
}

// GetBytes is Get for a key in a buffer, without allocating a string for it.
func (c *Cache[V]) GetBytes(key []byte) (v V, ok bool) {
	if c == nil {
		return v, false
	}
	if e := c.slot(maphash.Bytes(c.seed, key)).Load(); e != nil && e.key == string(key) {
		return e.val, true
	}
	return v, false
}

func (c *Cache[V]) slot(h uint64) *atomic.Pointer[entry[V]] {
	return &c.slots[h%uint64(len(c.slots))]
}

// Put stores val under key, replacing what its slot held. The cache keeps
// key: pass a string that does not alias a larger buffer (strings.Clone).
func (c *Cache[V]) Put(key string, val V) {
	if c == nil {
		return
	}
	c.slot(maphash.String(c.seed, key)).Store(&entry[V]{key: key, val: val})
}

// Keys calls fn with every key the cache holds (for tests and audits).
func (c *Cache[V]) Keys(fn func(key string)) {
	if c == nil {
		return
	}
	for i := range c.slots {
		if e := c.slots[i].Load(); e != nil {
			fn(e.key)
		}
	}
}
