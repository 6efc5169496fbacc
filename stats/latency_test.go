package stats_test

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// callTimer times calls and checks their tail against the tail of a bare
// baseline call timed alternately with them in the same test, not their
// slowest call nor an absolute bound: on a loaded machine the operating
// system deschedules a caller now and then for milliseconds, whatever the
// code does, and it does so to the baseline as often, while a call that
// waits on a lock or a send is slow every time it meets one. So a test
// fails when the calls' 99.9th percentile (see tailShare) is more than
// limit above the baseline's.
type callTimer struct {
	limit       time.Duration
	base        func()
	calls, bare histogram
}

// histogram counts durations by whole microseconds.
type histogram struct {
	n       int
	slowest time.Duration
	// how many took each whole number of microseconds; the last bucket
	// holds every slower one
	byMicro [histMicros]int
}

// histMicros bounds the histogram: calls slower than this many
// microseconds share its last bucket.
const histMicros = 10_000

// newCallTimer returns a callTimer for calls that should take at most
// limit more than base, a call of the same kind that cannot block (to an
// emitter whose sender never fails). While it is in use the garbage
// collector is off, so its pauses do not count against calls that do not
// allocate, and there are more Ps than CPUs, so that a preempted caller
// finds an idle P at once instead of waiting behind the emitter's own
// goroutines.
func newCallTimer(t *testing.T, limit time.Duration, base func()) *callTimer {
	gc := debug.SetGCPercent(-1)
	procs := runtime.GOMAXPROCS(runtime.NumCPU() + 2)
	t.Cleanup(func() {
		debug.SetGCPercent(gc)
		runtime.GOMAXPROCS(procs)
	})
	return &callTimer{limit: limit, base: base}
}

// time runs fn and the baseline, one first then the other in turn, and
// records how long each took.
func (c *callTimer) time(fn func()) {
	if c.calls.n%2 == 0 {
		c.bare.add(timed(c.base))
		c.calls.add(timed(fn))
	} else {
		c.calls.add(timed(fn))
		c.bare.add(timed(c.base))
	}
}

func timed(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

func (h *histogram) add(d time.Duration) {
	h.n++
	h.slowest = max(h.slowest, d)
	h.byMicro[min(int(d/time.Microsecond), histMicros-1)]++
}

// quantile returns the duration that a share q of the calls took at most,
// to the microsecond above.
func (h *histogram) quantile(q float64) time.Duration {
	rank := int(q * float64(h.n))
	seen := 0
	for us, n := range h.byMicro {
		if seen += n; seen > rank {
			return time.Duration(us+1) * time.Microsecond
		}
	}
	return h.slowest
}

// check fails t if the calls' 1-tailShare quantile is more than the limit
// above the baseline's.
func (c *callTimer) check(t *testing.T) {
	t.Helper()
	q := 1 - tailShare
	tail, bare := c.calls.quantile(q), c.bare.quantile(q)
	t.Logf("%d calls: median %v, %g%% within %v, slowest %v; baseline: median %v, %g%% within %v, slowest %v (limit: baseline + %v)",
		c.calls.n, c.calls.quantile(0.5), 100*q, tail, c.calls.slowest,
		c.bare.quantile(0.5), 100*q, bare, c.bare.slowest, c.limit)
	if tail > bare+c.limit {
		t.Errorf("%g%% of the calls took up to %v, more than the baseline's %v + %v", 100*q, tail, bare, c.limit)
	}
}
