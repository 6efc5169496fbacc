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
// windows keep counting, and an open period is not stretched by the step:
// it loses only the time between the last reading before the step and the
// first after, a second at most while open (the breaker reads the clock
// each second to refresh its rejection).
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
// window read it at the start of each call. It starts with the first such
// breaker, at the finest resolution any of them needs, and runs for the
// life of the process.
//
// A reading can be stale: when the process is short of CPU, the ticking
// goroutine may not run for many ticks. A slow call would then look fast
// (its end read on a clock that stopped), and no cheaper signal than a
// clock read tells a stopped clock from a short call. So a breaker with a
// slow-call policy ends a call that the coarse clock calls fast with a
// precise reading (see Breaker.end). When that reading shows the coarse
// clock more than two ticks behind, the caller moves it forward and marks it
// late: until the ticker runs again, every reading is precise, so that a
// call starting on the stopped clock is not measured from the past either.
var coarse struct {
	base time.Time
	now  atomic.Int64 // nanoseconds since base

	late atomic.Bool  // a caller found the clock stale; cleared by the ticker
	tick atomic.Int64 // res, for coarseRefresh

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
	coarseAdvance(int64(time.Since(coarse.base)))
	switch {
	case coarse.ticker == nil:
		coarse.res = res
		coarse.ticker = time.NewTicker(res)
		go coarseRun(coarse.ticker)
	case res < coarse.res:
		coarse.res = res
		coarse.ticker.Reset(res)
	}
	coarse.tick.Store(int64(coarse.res))
}

func coarseRun(t *time.Ticker) {
	for range t.C {
		coarseAdvance(int64(time.Since(coarse.base)))
		if coarse.late.Load() {
			coarse.late.Store(false)
		}
	}
}

// coarseNow reads the coarse clock, in nanoseconds since coarse.base: one
// atomic load, and a second one of the same cache line, unless a caller
// found the clock stale and its ticker has not run since.
func coarseNow() int64 {
	if coarse.late.Load() {
		return coarseRefresh()
	}
	return coarse.now.Load()
}

// coarseRefresh reads the precise clock, in nanoseconds since coarse.base,
// and when the coarse clock is more than two ticks behind (its goroutine is
// starved), moves it forward and marks it late. Callers write to the shared
// clock only when it is stale, so that callers on every core do not
// contend for it.
func coarseRefresh() int64 {
	now := int64(time.Since(coarse.base))
	if now-coarse.now.Load() > 2*coarse.tick.Load() {
		coarseAdvance(now)
		if !coarse.late.Load() {
			coarse.late.Store(true)
		}
	}
	return now
}

// coarseAdvance moves the coarse clock forward to now, never back: the
// ticker and a refreshing caller may read the precise clock in one order
// and store in the other.
func coarseAdvance(now int64) {
	for {
		old := coarse.now.Load()
		if now <= old || coarse.now.CompareAndSwap(old, now) {
			return
		}
	}
}
