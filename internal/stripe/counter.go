package stripe

import (
	"math/bits"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// Counter is an int64 that goroutines can add to concurrently without
// contending for one cache line. Add never blocks and, once the counter is
// spread, never allocates; Load returns the sum of everything added. The
// zero Counter is ready to use; a Counter must not be copied after first
// use.
type Counter struct {
	base  atomic.Int64          // the count until the counter is spread
	cells atomic.Pointer[cells] // nil until the counter is spread
}

// cells are the spread-out part of a counter, a power of two of them. Every
// Add reads this header, so it is padded to a cache line of its own: a small
// object next to it that some goroutine writes all the time would otherwise
// slow every Add on every other core.
type cells struct {
	first unsafe.Pointer // &c[0], so that pick needs no bounds check
	shift uint8          // 64 - log2(len(c)): a hash's top bits index c
	c     []cell
	_     [24]byte
}

// cell is one cache line, so that adds from different cores do not contend.
// Cells are allocated together in a power-of-two array of at least 64 bytes,
// which the Go allocator aligns to its size, so each cell is one whole line.
type cell struct {
	n atomic.Int64
	_ [56]byte
}

// MaxCells bounds the number of cells of one counter (64 bytes each).
const MaxCells = 64

// Cells returns the number of cells a counter spreads over: eight per
// GOMAXPROCS, rounded up to a power of two and at most [MaxCells], so that
// goroutines running at the same time rarely share one.
func Cells() int {
	return min(MaxCells, 1<<bits.Len(uint(8*runtime.GOMAXPROCS(0)-1)))
}

// Init spreads c over its cells now, keeping what was already added. It is
// for counters known to be hot; on a counter already spread it does nothing.
func (c *Counter) Init() { c.spread() }

// Add adds n, which may be negative. On a spread counter (see [Counter.Init]
// and [Counter.AddSpreading]) it adds to the calling goroutine's cell; on
// any other it adds to one shared word. It has no slow path, so the compiler
// inlines it: one load, one multiplication and one atomic add.
func (c *Counter) Add(n int64) {
	if cs := c.cells.Load(); cs != nil {
		cs.pick().Add(n)
		return
	}
	c.base.Add(n)
}

// AddSpreading is Add for a counter whose contention is not known in
// advance: the first time two adds collide on the shared word, it spreads
// the counter over its cells, for good. Until then it is a compare-and-swap
// inlined into the caller; once spread, a call to add to a cell.
func (c *Counter) AddSpreading(n int64) {
	if c.cells.Load() == nil {
		if v := c.base.Load(); c.base.CompareAndSwap(v, v+n) {
			return
		}
	}
	c.addSpread(n)
}

// addSpread adds n to the calling goroutine's cell, spreading c first if
// it is not yet: AddSpreading found it spread, or contended.
//
//go:noinline
func (c *Counter) addSpread(n int64) { c.spread().pick().Add(n) }

// Load returns the sum of everything added (since the last Reset). Adds that
// run concurrently with Load may or may not be included.
func (c *Counter) Load() int64 {
	v := c.base.Load()
	if cs := c.cells.Load(); cs != nil {
		for i := range cs.c {
			v += cs.c[i].n.Load()
		}
	}
	return v
}

// Reset sets the counter back to zero, keeping its cells. Adds that run
// concurrently with Reset may or may not be kept.
func (c *Counter) Reset() {
	c.base.Store(0)
	if cs := c.cells.Load(); cs != nil {
		for i := range cs.c {
			cs.c[i].n.Store(0)
		}
	}
}

// spread gives c its cells, unless another goroutine did first, and returns
// them.
func (c *Counter) spread() *cells {
	if cs := c.cells.Load(); cs != nil {
		return cs
	}
	n := Cells()
	spread := make([]cell, n)
	cs := &cells{first: unsafe.Pointer(&spread[0]), shift: uint8(64 - bits.TrailingZeros(uint(n))), c: spread}
	if c.cells.CompareAndSwap(nil, cs) {
		return cs
	}
	return c.cells.Load()
}

// pick returns the calling goroutine's cell. The address of a local variable
// tells goroutines apart for free (each has its own stack); dropping its low
// ten bits keeps a goroutine on one cell whatever its call depth, and the
// Fibonacci multiplier spreads stacks that sit next to each other over the
// cells. One multiplication: this runs on every Add. The top bits of h
// are always a valid index (len(c) is 1<<(64-shift)), so the cell is found
// from the first one without a bounds check, which keeps Add inlinable.
func (cs *cells) pick() *atomic.Int64 {
	var here byte
	h := uint64(uintptr(unsafe.Pointer(&here))>>10) * 0x9e3779b97f4a7c15
	return (*atomic.Int64)(unsafe.Add(cs.first, (h>>cs.shift)*uint64(unsafe.Sizeof(cell{}))))
}
