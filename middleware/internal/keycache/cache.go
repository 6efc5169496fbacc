package keycache

import (
	"sync"
	"sync/atomic"
)

// Cache maps keys to values built once. Reads are a lock-free map lookup
// with no allocation; a miss builds the value outside any lock (build may
// be a user's function, which may block) and then copies the map under a
// lock. Once max distinct keys are known, new keys share the value of the
// overflow key. The zero Cache is not usable: make one with [New].
type Cache[K comparable, V any] struct {
	m        atomic.Pointer[map[K]*V]
	mu       sync.Mutex
	building map[K]chan struct{} // keys being built, closed when done; under mu, made at the first miss
	max      int
	overflow K
	build    func(K) *V
}

// New returns a Cache whose values build makes, once per key. Once it knows
// max keys (the overflow key among them if it was asked for by then), a new
// key gets overflow's value, built then if need be: the cache holds at most
// max+1 keys.
func New[K comparable, V any](max int, overflow K, build func(K) *V) *Cache[K, V] {
	return &Cache[K, V]{max: max, overflow: overflow, build: build}
}

// Get returns the value of k, building it on first use; past the bound, the
// value of the overflow key. build runs at most once per key at a time,
// with no lock held: a build that blocks holds up the callers of its key
// only. A build that panics passes the panic to its caller, and the next
// Get of the key builds again.
func (c *Cache[K, V]) Get(k K) *V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	for {
		c.mu.Lock()
		var known map[K]*V
		if m := c.m.Load(); m != nil {
			known = *m
		}
		if v, ok := known[k]; ok {
			c.mu.Unlock()
			return v
		}
		if _, ok := c.building[k]; !ok && len(known)+len(c.building) >= c.max {
			k = c.overflow
			if v, ok := known[k]; ok {
				c.mu.Unlock()
				return v
			}
		}
		if wait, ok := c.building[k]; ok {
			c.mu.Unlock()
			<-wait
			continue // built, or its build panicked: look again
		}
		done := make(chan struct{})
		if c.building == nil {
			c.building = make(map[K]chan struct{})
		}
		c.building[k] = done
		c.mu.Unlock()
		return c.add(k, done)
	}
}

// add builds the value of k, publishes it and wakes the callers waiting
// for it on done; if build panics, it publishes nothing and wakes them to
// try again.
func (c *Cache[K, V]) add(k K, done chan struct{}) (v *V) {
	defer func() {
		c.mu.Lock()
		if v != nil {
			var old map[K]*V
			if m := c.m.Load(); m != nil {
				old = *m
			}
			next := make(map[K]*V, len(old)+1)
			for key, val := range old {
				next[key] = val
			}
			next[k] = v
			c.m.Store(&next)
		}
		delete(c.building, k)
		c.mu.Unlock()
		close(done)
	}()
	return c.build(k)
}
