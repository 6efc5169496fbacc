package stripe

import (
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentAddsSumExactly adds from many goroutines at once, with Add
// to a counter never spread, with AddSpreading to a zero counter (which
// spreads itself when adds meet) and with Add to one spread from the start,
// and checks that no add is lost or counted twice.
func TestConcurrentAddsSumExactly(t *testing.T) {
	const (
		workers = 64
		adds    = 2000
	)
	for _, tc := range []struct {
		name string
		init bool
		add  func(*Counter, int64)
		// spreadKnown: whether the counter ends spread is determined (Add
		// never spreads, Init always does); AddSpreading spreads only if
		// two adds happened to meet.
		spreadKnown bool
	}{
		{"unspread", false, (*Counter).Add, true},
		{"spreading", false, (*Counter).AddSpreading, false},
		{"init", true, (*Counter).Add, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Counter
			if tc.init {
				c.Init()
			}
			var start, wg sync.WaitGroup
			start.Add(1)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					start.Wait()
					for i := range adds {
						tc.add(&c, int64(w+i%3-1)) // some negative, some zero
					}
				}()
			}
			start.Done()
			wg.Wait()
			var want int64
			for w := range workers {
				for i := range adds {
					want += int64(w + i%3 - 1)
				}
			}
			assert.Equal(t, want, c.Load())
			if tc.spreadKnown {
				assert.Equal(t, tc.init, c.cells.Load() != nil, "only Init or AddSpreading spreads a counter")
			}
		})
	}
}

// TestLoadWhileAdding reads the counter while goroutines add to it: every
// read is a total that was or will be reached, never more than was added.
func TestLoadWhileAdding(t *testing.T) {
	const (
		workers = 8
		adds    = 5000
	)
	var c Counter
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range adds {
				c.Add(1)
			}
		}()
	}
	var last int64
	var done atomic.Bool
	go func() { wg.Wait(); done.Store(true) }()
	for !done.Load() {
		v := c.Load()
		require.GreaterOrEqual(t, v, last, "only increments were made")
		require.LessOrEqual(t, v, int64(workers*adds))
		last = v
	}
	assert.Equal(t, int64(workers*adds), c.Load())
}

// TestSerialStaysOneWord checks that a counter only ever added to by one
// goroutine at a time never allocates its cells, even through AddSpreading
// (Add never spreads a counter at all).
func TestSerialStaysOneWord(t *testing.T) {
	var c Counter
	for range 1000 {
		c.AddSpreading(2)
	}
	assert.Equal(t, int64(2000), c.Load())
	assert.Nil(t, c.cells.Load(), "no add met another")
}

func TestInitKeepsWhatWasAdded(t *testing.T) {
	var c Counter
	c.Add(5)
	c.Init()
	cs := c.cells.Load()
	require.NotNil(t, cs)
	assert.Len(t, cs.c, Cells())
	c.Add(7)
	assert.Equal(t, int64(12), c.Load())
	assert.Equal(t, int64(5), c.base.Load(), "adds after Init go to the cells")

	c.Init()
	assert.Same(t, cs, c.cells.Load(), "a second Init does nothing")
}

func TestReset(t *testing.T) {
	var c Counter
	c.Add(3)
	c.Init()
	c.Add(4)
	c.Reset()
	assert.Zero(t, c.Load())
	assert.NotNil(t, c.cells.Load(), "the cells are kept")
	c.Add(1)
	assert.Equal(t, int64(1), c.Load())
}

func TestCells(t *testing.T) {
	n := Cells()
	assert.LessOrEqual(t, n, MaxCells)
	assert.Equal(t, 0, n&(n-1), "a power of two")
	assert.GreaterOrEqual(t, n, 8)
}

func TestAddDoesNotAllocate(t *testing.T) {
	var zero, spread Counter
	spread.Init()
	assert.Zero(t, testing.AllocsPerRun(1000, func() { zero.Add(1) }), "zero counter")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { spread.Add(1) }), "spread counter")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = spread.Load() }), "Load")
}

// TestCellsHeaderOwnsALine guards the padding of the cells header, which
// every Add reads.
func TestCellsHeaderOwnsALine(t *testing.T) {
	assert.Equal(t, uintptr(64), unsafe.Sizeof(cells{}))
}
