package breaker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stopCoarseTicker stops the coarse clock's ticker until the test ends, as
// a goroutine starved of CPU would be: the clock stands still, for certain.
func stopCoarseTicker(t *testing.T) {
	t.Helper()
	coarse.mu.Lock()
	defer coarse.mu.Unlock()
	require.NotNil(t, coarse.ticker, "no breaker started the coarse clock")
	coarse.ticker.Stop()
	t.Cleanup(func() {
		coarse.mu.Lock()
		defer coarse.mu.Unlock()
		coarse.ticker.Reset(coarse.res)
	})
}

func slowRealBreaker(t *testing.T, rate float64) *Breaker {
	t.Helper()
	b, err := New(Config{Name: "slow-starved", ConsecutiveFailures: -1, SlowCallRate: rate, SlowCallDuration: 20 * time.Millisecond, WindowSize: 2, MinCalls: 2, Logger: discardLogger()})
	require.NoError(t, err)
	return b
}

// A slow call is slow although the coarse clock's ticker does not run
// while it lasts (TestSlowCallRealClock's flake, made certain), and the
// caller moves the stale clock forward for every other reader.
func TestSlowCallOnStarvedCoarseClock(t *testing.T) {
	b := slowRealBreaker(t, 0.5)
	stopCoarseTicker(t)
	stopped := coarse.now.Load()
	ctx := context.Background()
	require.NoError(t, b.Run(ctx, func(context.Context) error { return nil }))
	require.NoError(t, b.Run(ctx, func(context.Context) error { time.Sleep(40 * time.Millisecond); return nil }))
	assert.Equal(t, Open, b.State(), "the slow call was measured")
	assert.GreaterOrEqual(t, time.Duration(coarse.now.Load()-stopped), 40*time.Millisecond, "the stale coarse clock was moved forward")
}

// Once a caller has found the coarse clock stale, calls start on the
// precise clock until the ticker runs again: fast calls on a stopped clock
// are not measured from the time it stopped. (The call that finds it
// stale started on the stale reading, and counts as slow: on a stalled
// clock a call may be counted slow that was not, never the reverse.)
func TestFastCallsOnStarvedCoarseClock(t *testing.T) {
	b := slowRealBreaker(t, 1)
	stopCoarseTicker(t)
	time.Sleep(40 * time.Millisecond)
	ctx := context.Background()
	for range 10 {
		require.NoError(t, b.Run(ctx, func(context.Context) error { return nil }))
		_, err := Do(ctx, b, func(context.Context) (int, error) { return 1, nil })
		require.NoError(t, err)
	}
	assert.Equal(t, Closed, b.State())
	assert.True(t, coarse.late.Load(), "the clock is marked stale until its ticker runs")
	assert.Zero(t, b.Snapshot().Counts.WindowSlow, "the last two calls were fast")
}
