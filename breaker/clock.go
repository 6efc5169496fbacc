package breaker

import (
	"sync"
	"sync/atomic"
	"time"
)

// Clock is the time source of a breaker. The zero Config uses the wall clock;
// tests inject a fake one to drive open periods, windows and slow calls
// deterministically.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has elapsed, unless stop
	// is called first; stop reports whether it prevented the call.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// wallClock is the Clock of the real world.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// coarse is a process-wide clock that a single goroutine advances every few
// milliseconds. Reading it is one atomic load, where time.Since costs tens of
// nanoseconds on a VM; breakers with a slow-call policy or a time-based
// window read it twice per call. It starts with the first such breaker, at
// the finest resolution any of them needs, and runs for the life of the
// process.
var coarse struct {
	base time.Time
	now  atomic.Int64 // nanoseconds since base

	mu     sync.Mutex
	res    time.Duration
	ticker *time.Ticker
}

func init() { coarse.base = time.Now() }

// coarseResolution picks a tick for the finest duration a breaker measures:
// a tenth of it, between 1 ms and 100 ms.
func coarseResolution(finest time.Duration) time.Duration {
	return min(max(finest/10, time.Millisecond), 100*time.Millisecond)
}

// coarseStart makes sure the coarse clock ticks at least every res.
func coarseStart(res time.Duration) {
	coarse.mu.Lock()
	defer coarse.mu.Unlock()
	coarse.now.Store(int64(time.Since(coarse.base)))
	switch {
	case coarse.ticker == nil:
		coarse.res = res
		coarse.ticker = time.NewTicker(res)
		go coarseRun(coarse.ticker)
	case res < coarse.res:
		coarse.res = res
		coarse.ticker.Reset(res)
	}
}

func coarseRun(t *time.Ticker) {
	for range t.C {
		coarse.now.Store(int64(time.Since(coarse.base)))
	}
}
