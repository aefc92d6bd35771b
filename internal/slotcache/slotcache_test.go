package slotcache

import (
	"fmt"
	"sync"
	"testing"
)

// TestCacheAnswersOnlyWhatWasPut: a hit returns the value put under that very
// key (never a colliding key's), through more keys than slots, from several
// goroutines (run with -race); a nil cache holds nothing.
func TestCacheAnswersOnlyWhatWasPut(t *testing.T) {
	c := New[int](8)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				k := fmt.Sprintf("key-%d", (i*7+g)%50)
				if v, ok := c.Get(k); ok && fmt.Sprintf("key-%d", v) != k {
					t.Errorf("Get(%q) = %d", k, v)
				}
				if v, ok := c.GetBytes([]byte(k)); ok && fmt.Sprintf("key-%d", v) != k {
					t.Errorf("GetBytes(%q) = %d", k, v)
				}
				c.Put(k, (i*7+g)%50)
			}
		})
	}
	wg.Wait()
	held := 0
	c.Keys(func(k string) {
		held++
		if v, ok := c.Get(k); !ok || fmt.Sprintf("key-%d", v) != k {
			t.Errorf("held key %q answers (%d, %v)", k, v, ok)
		}
	})
	if held == 0 || held > 8 {
		t.Errorf("holds %d keys, want 1..8", held)
	}
	c.Put("last", 1)
	if v, ok := c.Get("last"); !ok || v != 1 {
		t.Errorf("a key just put: (%d, %v)", v, ok)
	}

	var none *Cache[int]
	none.Put("a", 1)
	if _, ok := none.Get("a"); ok {
		t.Error("a nil cache answered")
	}
}
