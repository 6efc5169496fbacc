package breaker

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/testclock"
	"github.com/vitals-go/vitals/stats/statstest"
)

// steppedClock is a test clock whose readings can be stepped back, as NTP
// steps a wall clock that has no monotonic reading (time.Now().UTC()),
// while its timers keep running on elapsed time, as real ones do.
type steppedClock struct {
	*testclock.Clock
	mu     sync.Mutex
	offset time.Duration
}

func (c *steppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Clock.Now().Add(c.offset)
}

// Step moves the readings by d (negative: back) without firing timers.
func (c *steppedClock) Step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// TestClockBeforeStart: a time-window breaker whose clock reads earlier
// than when the breaker was made still counts every call, trips on the rate
// the calls had, and never records a negative duration, even for a call
// during which the clock steps back.
func TestClockBeforeStart(t *testing.T) {
	clk := &steppedClock{Clock: newFakeClock()}
	rec := statstest.New()
	b, err := New(Config{Name: "dep", Clock: clk, Stats: rec, Logger: discardLogger(), TimeCalls: true,
		ConsecutiveFailures: -1, FailureRate: 0.5, WindowDuration: 10 * time.Second, MinCalls: 4})
	require.NoError(t, err)
	clk.Step(-5 * time.Second)
	ctx := context.Background()
	require.NotPanics(t, func() {
		require.NoError(t, b.Run(ctx, func(context.Context) error { clk.Advance(time.Second); return nil }))
		require.NoError(t, b.Run(ctx, func(context.Context) error { clk.Step(-time.Hour); return nil }))
		require.ErrorIs(t, b.Run(ctx, func(context.Context) error { return errBoom }), errBoom)
	})
	assert.Equal(t, Counts{ConsecutiveFailures: 1, WindowCalls: 3, WindowFailures: 1}, b.Snapshot().Counts)
	require.ErrorIs(t, b.Run(ctx, func(context.Context) error { return errBoom }), errBoom)
	s := b.Snapshot()
	assert.Equal(t, Open, s.State)
	assert.Equal(t, "a failure rate of 50% (2 of the last 4 calls)", s.Reason)
	timings := rec.Timings("breaker.dep.duration")
	require.Len(t, timings, 4)
	assert.Equal(t, time.Second, timings[0], "time that really passed is measured")
	for _, d := range timings {
		assert.GreaterOrEqual(t, d, time.Duration(0))
	}
}

// TestOpenPeriodSurvivesClockStepBack: a clock stepped back an hour while
// the breaker is open does not keep it open an hour longer; calls resume
// after the open period, give or take one refresh of the rejection.
func TestOpenPeriodSurvivesClockStepBack(t *testing.T) {
	clk := &steppedClock{Clock: newFakeClock()}
	b, err := New(Config{Name: "dep", Clock: clk, Logger: discardLogger(), ConsecutiveFailures: 1, OpenDuration: 30 * time.Second})
	require.NoError(t, err)
	ctx := context.Background()
	require.ErrorIs(t, b.Run(ctx, func(context.Context) error { return errBoom }), errBoom)
	require.Equal(t, Open, b.State())
	opened := b.Snapshot().Since
	clk.Step(-time.Hour)
	clk.Advance(30*time.Second + refreshEvery)
	require.NoError(t, b.Run(ctx, func(context.Context) error { return nil }), "the open period is over")
	assert.Equal(t, Closed, b.State())
	assert.False(t, b.Snapshot().Since.Before(opened), "the breaker's time never goes back")
}

// TestClockSteppingBackUnderLoad: calls from many goroutines while the
// clock steps back and forth never panic, never time a call negative, and
// keep the window's totals possible.
func TestClockSteppingBackUnderLoad(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	clk := &steppedClock{Clock: newFakeClock()}
	rec := statstest.New()
	b, err := New(Config{Name: "dep", Clock: clk, Stats: rec, Logger: discardLogger(), TimeCalls: true,
		ConsecutiveFailures: -1, FailureRate: 0.9, WindowDuration: 100 * time.Millisecond, MinCalls: 1000})
	require.NoError(t, err)
	deadline := time.Now().Add(200 * time.Millisecond)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				var err error
				if (w+i)%3 == 0 {
					err = errBoom
				}
				_ = b.Run(context.Background(), func(context.Context) error { return err })
				c := b.Snapshot().Counts
				if !assert.LessOrEqual(t, c.WindowFailures, c.WindowCalls) {
					return
				}
			}
		}()
	}
	for i := 0; time.Now().Before(deadline); i++ {
		if i%2 == 0 {
			clk.Step(-time.Duration(i%7) * 30 * time.Millisecond)
		} else {
			clk.Advance(time.Duration(i%5) * 10 * time.Millisecond)
		}
		runtime.Gosched()
	}
	wg.Wait()
	timings := rec.Timings("breaker.dep.duration")
	require.NotEmpty(t, timings)
	for _, d := range timings {
		if !assert.GreaterOrEqual(t, d, time.Duration(0)) {
			break
		}
	}
}
