package breaker

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/stats/statstest"
)

// TestStress hammers one breaker from 64 goroutines at GOMAXPROCS 8 with
// random outcomes on the real clock (1 ms open periods, so it cycles through
// every state) and checks the invariants: never more probes in flight in a
// half-open generation than the limit, every call counted exactly once, every
// transition published once, in order, to logs and listeners alike. The run
// stops once it has cycled goal generations and seen probes, not after a fixed
// time, so a loaded machine makes it slower rather than red; maxRun bounds it.
func TestStress(t *testing.T) {
	const (
		workers    = 64
		goal       = 20
		maxRun     = 2 * time.Second
		probeLimit = 3
	)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	rec := statstest.New()
	var logs logtest.Buffer
	b, err := New(Config{
		Name:                "stress",
		ConsecutiveFailures: 4,
		FailureRate:         0.6,
		WindowSize:          20,
		OpenDuration:        time.Millisecond,
		ProbeLimit:          probeLimit,
		SuccessesToClose:    2,
		Stats:               rec,
		Logger:              slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	require.NoError(t, err)

	var mu sync.Mutex
	var got []Transition
	b.Subscribe(func(tr Transition) {
		mu.Lock()
		got = append(got, tr)
		mu.Unlock()
	})

	var inflight sync.Map // generation -> *atomic.Int32
	var attempts, granted, rejected, violations, probesSeen atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		deadline := time.Now().Add(maxRun)
		for !stop.Load() {
			if time.Now().After(deadline) || b.Snapshot().Generation >= goal && probesSeen.Load() > 0 {
				stop.Store(true)
			}
			time.Sleep(time.Millisecond) // a poll, not a wait for an outcome
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			cancelled, cancel := context.WithCancel(context.Background())
			cancel()
			for !stop.Load() {
				attempts.Add(1)
				ctx := context.Background()
				if r.IntN(20) == 0 {
					ctx = cancelled
				}
				tk, err := b.Allow(ctx)
				if err != nil {
					if !errors.Is(err, ErrOpen) {
						violations.Add(1)
					}
					rejected.Add(1)
					time.Sleep(time.Duration(r.IntN(100)) * time.Microsecond)
					continue
				}
				granted.Add(1)
				var n *atomic.Int32
				if tk.probe() != nil {
					probesSeen.Add(1)
					v, _ := inflight.LoadOrStore(tk.g.id, new(atomic.Int32))
					n = v.(*atomic.Int32)
					if n.Add(1) > probeLimit {
						violations.Add(1)
					}
				}
				if r.IntN(4) == 0 {
					time.Sleep(time.Duration(r.IntN(50)) * time.Microsecond)
				}
				var callErr error
				switch x := r.IntN(10); {
				case ctx == cancelled:
					callErr = context.Canceled
				case x < 4:
					callErr = errBoom
				}
				if n != nil {
					n.Add(-1)
				}
				if r.IntN(2) == 0 {
					tk.Done(callErr)
				} else {
					o := Success
					if callErr != nil {
						o = Classify(ctx, callErr)
					}
					tk.Record(o, callErr)
				}
			}
		}()
	}
	wg.Wait()

	assert.Zero(t, violations.Load(), "probe limit exceeded or a rejection without ErrOpen")
	assert.Positive(t, probesSeen.Load(), "the run reached half-open")
	calls := rec.Counted("breaker.stress.calls.success") + rec.Counted("breaker.stress.calls.failure") + rec.Counted("breaker.stress.calls.ignored")
	assert.Equal(t, granted.Load(), calls, "every call counted once")
	assert.Equal(t, rejected.Load(), rec.Counted("breaker.stress.calls.rejected"))
	assert.Equal(t, attempts.Load(), calls+rec.Counted("breaker.stress.calls.rejected"), "every attempt counted once, as a call or a rejection")

	final := b.Snapshot()
	require.GreaterOrEqual(t, final.Generation, uint64(goal), "the run cycled through the states within %s", maxRun)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return uint64(len(got)) == final.Generation && uint64(len(logs.Records(t))) == final.Generation
	}, 10*time.Second, time.Millisecond, "every transition published")
	mu.Lock()
	defer mu.Unlock()
	prev := Closed
	var targets [len(stateNames)]int64
	for i, tr := range got {
		require.Equal(t, uint64(i+1), tr.Generation, "in order, none twice")
		require.Equal(t, prev, tr.From, "generation %d", tr.Generation)
		require.NotEqual(t, tr.From, tr.To)
		prev = tr.To
		targets[tr.To]++
	}
	assert.Equal(t, final.State, prev)
	for i, r := range logs.Records(t) {
		assert.Equal(t, float64(i+1), r["generation"])
	}
	for s, name := range stateNames {
		assert.Equal(t, targets[s], rec.Counted("breaker.stress.transitions."+name), name)
	}
}
