package keycache

import (
	"sync"
	"sync/atomic"
)

// Cache maps keys to values built once. Reads are a lock-free map lookup
// with no allocation; a miss copies the map under a lock. Once max distinct
// keys are known, new keys share the value of the overflow key. The zero
// Cache is not usable: make one with [New].
type Cache[K comparable, V any] struct {
	m        atomic.Pointer[map[K]*V]
	mu       sync.Mutex
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
// value of the overflow key. build runs under the cache's lock, at most once
// per key.
func (c *Cache[K, V]) Get(k K) *V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var old map[K]*V
	if m := c.m.Load(); m != nil {
		old = *m
	}
	if v, ok := old[k]; ok {
		return v
	}
	if len(old) >= c.max {
		k = c.overflow
		if v, ok := old[k]; ok {
			return v
		}
	}
	next := make(map[K]*V, len(old)+1)
	for key, v := range old {
		next[key] = v
	}
	v := c.build(k)
	next[k] = v
	c.m.Store(&next)
	return v
}
