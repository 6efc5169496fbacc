package keycache

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type built struct{ key string }

func counting(n *atomic.Int32) func(string) *built {
	return func(k string) *built { n.Add(1); return &built{key: k} }
}

func TestGetBuildsOncePerKey(t *testing.T) {
	var n atomic.Int32
	c := New(10, "other", counting(&n))
	a := c.Get("a")
	assert.Equal(t, "a", a.key)
	assert.Same(t, a, c.Get("a"), "a known key returns the value built first")
	assert.NotSame(t, a, c.Get("b"))
	assert.EqualValues(t, 2, n.Load())
}

// TestPastMaxKeysShareOverflow: max keys get their own values, then the
// overflow key is added for every later one.
func TestPastMaxKeysShareOverflow(t *testing.T) {
	var n atomic.Int32
	c := New(3, "other", counting(&n))
	c.Get("a")
	c.Get("b")
	o := c.Get("c") // third key: the map is not full yet
	assert.Equal(t, "c", o.key)
	d := c.Get("d")
	assert.Equal(t, "other", d.key, "past max, a new key gets the overflow value")
	assert.Same(t, d, c.Get("e"))
	assert.Equal(t, "a", c.Get("a").key, "keys seen before the bound keep their values")
	assert.EqualValues(t, 4, n.Load(), "a, b, c and other, nothing more")
}

func TestOverflowKeyItselfCounts(t *testing.T) {
	var n atomic.Int32
	c := New(2, "other", counting(&n))
	o := c.Get("other")
	c.Get("a")
	assert.Same(t, o, c.Get("b"))
	assert.EqualValues(t, 2, n.Load())
}

func TestGetConcurrent(t *testing.T) {
	var n atomic.Int32
	c := New(50, "other", counting(&n))
	var wg sync.WaitGroup
	seen := make([][]*built, 8)
	for w := range seen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				seen[w] = append(seen[w], c.Get(strconv.Itoa(i)))
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 51, n.Load(), "keys 0 to 49, then other for the rest, each built once")
	for w := range seen {
		for i, v := range seen[w] {
			require.Same(t, seen[0][i], v, "every goroutine sees the same value for key %d", i)
		}
	}
}

func TestGetKnownKeyDoesNotAllocate(t *testing.T) {
	c := New(10, "other", func(k string) *built { return &built{key: k} })
	c.Get("GET /users/{id}")
	key := "GET /users/{id}"
	assert.Zero(t, testing.AllocsPerRun(100, func() { c.Get(key) }))
}

// TestBuildBlockingHoldsOnlyItsKey: a build that blocks (a user's
// BreakerConfig waiting on something) holds up the callers of its key
// only; other keys are built and read meanwhile, and the blocked key's
// callers all get the one value once it is built.
func TestBuildBlockingHoldsOnlyItsKey(t *testing.T) {
	release := make(chan struct{})
	var n atomic.Int32
	c := New(10, "other", func(k string) *built {
		n.Add(1)
		if k == "slow" {
			<-release
		}
		return &built{key: k}
	})
	got := make(chan *built, 2)
	for range 2 {
		go func() { got <- c.Get("slow") }()
	}
	require.Eventually(t, func() bool { return n.Load() == 1 }, 5e9, 1e6, "the slow build started")
	done := make(chan struct{})
	go func() {
		defer close(done)
		assert.Equal(t, "fast", c.Get("fast").key)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a blocked build of one key held up another key")
	}
	close(release)
	a, b := <-got, <-got
	assert.Same(t, a, b)
	assert.EqualValues(t, 2, n.Load(), "slow and fast, each built once")
}

// TestBuildPanicLeavesNothingStuck: a build that panics passes the panic
// to its caller, and the key is built again at the next Get.
func TestBuildPanicLeavesNothingStuck(t *testing.T) {
	var n atomic.Int32
	c := New(10, "other", func(k string) *built {
		if n.Add(1) == 1 {
			panic("first build fails")
		}
		return &built{key: k}
	})
	assert.Panics(t, func() { c.Get("a") })
	assert.Equal(t, "a", c.Get("a").key)
	assert.Equal(t, "b", c.Get("b").key)
}
