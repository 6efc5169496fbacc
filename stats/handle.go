package stats

import (
	"math"
	"math/bits"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// Counter is a pre-registered counter handle. Inc and Add are atomic adds
// that never allocate or block; a [Statsd] sends what was added since its
// previous flush once per flush interval, so a hot loop costs one add per
// call and one line per interval. A nil *Counter does nothing and the zero
// Counter counts without sending anywhere.
type Counter struct {
	base   atomic.Int64 // the zero Counter's cell
	shards []counterShard
	shift  uint8  // 64 - log2(len(shards))
	sent   int64  // total already sent; owned by the flushing goroutine
	line   []byte // the wire line up to the value, e.g. "app.requests:"
	suffix []byte // after the value, e.g. "|c" or "|c|#k:v"
}

// counterShard is one cache line, so adds from different cores do not
// contend.
type counterShard struct {
	n atomic.Int64
	_ [56]byte
}

// newCounter returns a counter spread over enough shards (eight per P, at
// most 64) that goroutines running at once rarely share one.
func newCounter() *Counter {
	n := min(64, 1<<bits.Len(uint(8*runtime.GOMAXPROCS(0)-1)))
	return &Counter{
		shards: make([]counterShard, n),
		shift:  uint8(64 - bits.TrailingZeros(uint(n))),
	}
}

// Inc adds one.
func (c *Counter) Inc() { c.Add(1) }

// Add adds n, which may be negative.
func (c *Counter) Add(n int64) {
	if c == nil {
		return
	}
	if len(c.shards) == 0 {
		c.base.Add(n)
		return
	}
	// The address of a local variable tells goroutines apart for free:
	// each has its own stack, so concurrent callers mostly land on
	// different shards. It is only a spreading hint; any shard is correct.
	var here byte
	h := uint64(uintptr(unsafe.Pointer(&here))>>10) * 0x9e3779b97f4a7c15
	c.shards[h>>c.shift].n.Add(n)
}

// Value returns the total added since the counter was made.
func (c *Counter) Value() int64 {
	if c == nil {
		return 0
	}
	v := c.base.Load()
	for i := range c.shards {
		v += c.shards[i].n.Load()
	}
	return v
}

// Gauge is a pre-registered gauge handle. Set and Add change it atomically
// without allocating; a [Statsd] sends its value once per flush interval
// from the first change on (a NaN or infinite value is not sent, and counts
// as dropped at each flush). A nil *Gauge does nothing and the zero Gauge
// keeps its value without sending it anywhere.
type Gauge struct {
	bits   atomic.Uint64
	set    atomic.Bool // changed at least once: worth sending
	line   []byte
	suffix []byte
}

// Set sets the gauge to v.
func (g *Gauge) Set(v float64) {
	if g == nil {
		return
	}
	g.bits.Store(math.Float64bits(v))
	g.markSet()
}

// Add adds delta, which may be negative, to the gauge.
func (g *Gauge) Add(delta float64) {
	if g == nil {
		return
	}
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			break
		}
	}
	g.markSet()
}

func (g *Gauge) markSet() {
	if !g.set.Load() {
		g.set.Store(true)
	}
}

// Value returns the gauge's current value (0 before any change).
func (g *Gauge) Value() float64 {
	if g == nil {
		return 0
	}
	return math.Float64frombits(g.bits.Load())
}
