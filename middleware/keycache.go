package middleware

import (
	"sync"
	"sync/atomic"
)

// keyCache maps a small, slowly growing set of keys (route and status class,
// host) to values built once, such as pre-registered stats handles. Reads
// are a lock-free map lookup with no allocation; a miss copies the map under
// a lock. Past max distinct keys, new keys share the value of overflow, so a
// flood of unexpected routes or hosts cannot grow memory or stat names
// without bound.
type keyCache[K comparable, V any] struct {
	m        atomic.Pointer[map[K]*V]
	mu       sync.Mutex
	max      int
	overflow func(K) K
	build    func(K) *V
}

func newKeyCache[K comparable, V any](max int, overflow func(K) K, build func(K) *V) *keyCache[K, V] {
	return &keyCache[K, V]{max: max, overflow: overflow, build: build}
}

func (c *keyCache[K, V]) get(k K) *V {
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
		k = c.overflow(k)
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
