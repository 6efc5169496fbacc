package breaker

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hammerWindow calls b from workers goroutines at GOMAXPROCS 8 for at most
// run, each goroutine failing exactly one call in three and none of them
// slow, while another goroutine reads Snapshot without pause. cfg's policies
// are chosen so that no honest window can trip them; the run stops at the
// first impossible snapshot (failures or slow calls above the calls, more
// calls than maxCalls, any slow call) or the first opening, and fails the
// test with what it saw.
func hammerWindow(t *testing.T, cfg Config, workers int, run time.Duration, maxCalls int64) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	cfg.Name = "window"
	cfg.ConsecutiveFailures = -1
	cfg.Logger = discardLogger()
	b, err := New(cfg)
	require.NoError(t, err)

	var (
		stop  atomic.Bool
		once  sync.Once
		wrong string
		calls atomic.Int64
	)
	fail := func(format string, args ...any) {
		once.Do(func() { wrong = fmt.Sprintf(format, args...) })
		stop.Store(true)
	}
	check := func(s Snapshot) {
		c := s.Counts
		switch {
		case s.State != Closed:
			fail("opened by %q with counts %+v", s.Reason, c)
		case c.WindowCalls < 0 || c.WindowCalls > maxCalls:
			fail("impossible calls: %+v", c)
		case c.WindowFailures < 0 || c.WindowFailures > c.WindowCalls:
			fail("impossible failures: %+v", c)
		case c.WindowSlow != 0:
			fail("no call was slow: %+v", c)
		}
	}
	deadline := time.Now().Add(run)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; !stop.Load() && time.Now().Before(deadline); i++ {
				err := error(nil)
				if i%3 == 2 {
					err = errBoom
				}
				_ = b.Run(ctx, func(context.Context) error { return err })
				calls.Add(1)
				if b.State() != Closed {
					check(b.Snapshot())
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() && time.Now().Before(deadline) {
			check(b.Snapshot())
		}
	}()
	wg.Wait()
	require.Empty(t, wrong, "after %d calls", calls.Load())
	assert.Positive(t, calls.Load())
}

// TestCountWindowExactUnderConcurrency: a count-based window's totals are
// always those of real calls: never more failures or slow calls than calls,
// never more calls than the window holds, and a policy trips only on a rate
// the calls had. The slow-call policy cannot trip (no call is slow), and the
// 100% failure rate cannot either (every goroutine succeeds twice for each
// failure, and the window is too long to hold only failures).
func TestCountWindowExactUnderConcurrency(t *testing.T) {
	for _, c := range []struct {
		name    string
		cfg     Config
		workers int
	}{
		{"slow rate, 2 calls", Config{SlowCallRate: 0.5, SlowCallDuration: time.Hour, WindowSize: 2, MinCalls: 1}, 64},
		{"slow rate, 20 calls", Config{SlowCallRate: 0.5, SlowCallDuration: time.Hour, WindowSize: 20, MinCalls: 1}, 16},
		{"failure rate 100%, 64 calls", Config{FailureRate: 1, WindowSize: 64, MinCalls: 64}, 16},
	} {
		t.Run(c.name, func(t *testing.T) {
			hammerWindow(t, c.cfg, c.workers, 300*time.Millisecond, int64(c.cfg.WindowSize))
		})
	}
}

// TestTimeWindowExactUnderConcurrency: a time-based window's totals are
// always those of real calls, buckets recycling under the calls included
// (1 ms buckets recycle all the time). Each goroutine fails one call in
// three, so once the window holds MinCalls = 200 calls its failure rate is
// at most 1/3 + 16/200, far from the 60% policy; no call is slow.
func TestTimeWindowExactUnderConcurrency(t *testing.T) {
	for _, d := range []time.Duration{10 * time.Millisecond, 100 * time.Millisecond, time.Second} {
		t.Run(d.String(), func(t *testing.T) {
			cfg := Config{FailureRate: 0.6, SlowCallRate: 0.5, SlowCallDuration: time.Hour, WindowDuration: d, WindowBuckets: 10, MinCalls: 200}
			hammerWindow(t, cfg, 16, 300*time.Millisecond, 1<<62)
		})
	}
}
