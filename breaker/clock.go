package breaker

import (
	"sync"
	"sync/atomic"
	"time"
)

// Clock is the time source of a breaker. The zero Config uses the wall clock;
// tests inject a fake one to drive open periods, windows and slow calls
// deterministically.
//
// An injected clock may go backwards, as a wall clock without a monotonic
// reading (time.Now().UTC()) does when NTP steps it back: the breaker counts
// a reading earlier than the one before as no time passing and goes on from
// there, so its own time never goes back. Call durations are never negative,
// windows keep counting, and an open period is not stretched by the step.
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

// steadyClock is an injected Clock whose readings never go back: each step
// back is added to a shift that later readings carry. Readings are ordered
// by when they were asked for, so that two calls reading the clock at the
// same time do not pass for a step back. The injected clock is user code:
// it is read before the lock is taken, never under it.
type steadyClock struct {
	Clock
	seq atomic.Uint64

	mu      sync.Mutex
	lastSeq uint64        // the sequence number of last
	last    time.Time     // the injected clock's latest reading
	shift   time.Duration // the steps back so far
	out     time.Time     // the latest time returned
}

// steady wraps an injected clock; nil stays nil.
func steady(c Clock) Clock {
	if c == nil {
		return nil
	}
	return &steadyClock{Clock: c}
}

func (c *steadyClock) Now() time.Time {
	seq := c.seq.Add(1)
	raw := c.Clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq > c.lastSeq {
		if back := c.last.Sub(raw); back > 0 && c.lastSeq != 0 {
			c.shift += back
		}
		c.last, c.lastSeq = raw, seq
	}
	t := raw.Add(c.shift)
	if t.Before(c.out) {
		t = c.out // a reading that was asked for before the latest one
	}
	c.out = t
	return t
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
