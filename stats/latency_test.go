package stats_test

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// callTimer times calls and checks their tail, not their slowest one: on
// a loaded machine the operating system deschedules a caller now and then
// for milliseconds, whatever the code does, while a call that waits on a
// lock or a send is slow every time it meets one. So a test fails when
// more than one call in tailShare is slower than its limit.
type callTimer struct {
	limit   time.Duration
	calls   int
	slowest time.Duration
	// how many calls took each whole number of microseconds; the last
	// bucket holds every slower call
	byMicro [histMicros]int
}

// tailShare is the share of calls allowed to be slower than the limit.
const tailShare = 0.001

// histMicros bounds the histogram: calls slower than this many
// microseconds share its last bucket.
const histMicros = 10_000

// newCallTimer returns a callTimer for calls that should take at most
// limit. While it is in use the garbage collector is off, so its pauses do
// not count against calls that do not allocate, and there are more Ps than
// CPUs, so that a preempted caller finds an idle P at once instead of
// waiting behind the emitter's own goroutines.
func newCallTimer(t *testing.T, limit time.Duration) *callTimer {
	gc := debug.SetGCPercent(-1)
	procs := runtime.GOMAXPROCS(runtime.NumCPU() + 2)
	t.Cleanup(func() {
		debug.SetGCPercent(gc)
		runtime.GOMAXPROCS(procs)
	})
	return &callTimer{limit: limit}
}

// time runs fn and records how long it took.
func (c *callTimer) time(fn func()) {
	start := time.Now()
	fn()
	d := time.Since(start)
	c.calls++
	c.slowest = max(c.slowest, d)
	c.byMicro[min(int(d/time.Microsecond), histMicros-1)]++
}

// quantile returns the duration that a share q of the calls took at most,
// to the microsecond above.
func (c *callTimer) quantile(q float64) time.Duration {
	rank := int(q * float64(c.calls))
	seen := 0
	for us, n := range c.byMicro {
		if seen += n; seen > rank {
			return time.Duration(us+1) * time.Microsecond
		}
	}
	return c.slowest
}

// check fails t if more than tailShare of the calls were slower than the
// limit; under the race detector, whose instrumentation takes locks, it
// logs instead.
func (c *callTimer) check(t *testing.T) {
	t.Helper()
	q := 1 - tailShare
	tail := c.quantile(q)
	t.Logf("%d calls: median %v, %g%% within %v, slowest %v (limit %v)",
		c.calls, c.quantile(0.5), 100*q, tail, c.slowest, c.limit)
	if !raceEnabled && tail > c.limit {
		t.Errorf("%g%% of the calls took up to %v, more than %v", 100*q, tail, c.limit)
	}
}
