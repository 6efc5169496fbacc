package breaker

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/stats"
)

// FuzzConfig builds breakers from arbitrary policy settings and drives them
// with an arbitrary sequence of calls and clock moves: a refused Config must
// say which field is wrong, and an accepted one must keep the invariants.
func FuzzConfig(f *testing.F) {
	f.Add(0, 0.0, 0.0, int64(0), 0, int64(0), 0, 0, int64(0), 0.0, int64(0), 0.0, 0, 0, []byte{1, 1, 1, 1, 1, 4, 0})
	f.Add(-1, 0.5, 0.0, int64(0), 10, int64(0), 0, 4, int64(1000), 2.0, int64(5000), 0.1, 2, 3, []byte{1, 0, 1, 1, 1, 40, 0, 0, 0, 1})
	f.Add(3, 0.5, 0.5, int64(100), 0, int64(10000), 5, 2, int64(500), 0.0, int64(0), 0.0, 1, 1, []byte{3, 3, 3, 9, 0, 0, 2, 1, 1, 1})
	f.Fuzz(func(t *testing.T, consec int, rate, slowRate float64, slowMs int64, window int, windowMs int64, buckets, minCalls int,
		openMs int64, growth float64, maxOpenMs int64, jitter float64, probes, successes int, ops []byte) {
		clock := newFakeClock()
		cfg := Config{
			Name:                "fuzz",
			ConsecutiveFailures: consec,
			FailureRate:         rate,
			SlowCallRate:        slowRate,
			SlowCallDuration:    time.Duration(slowMs) * time.Millisecond,
			WindowSize:          window,
			WindowDuration:      time.Duration(windowMs) * time.Millisecond,
			WindowBuckets:       buckets,
			MinCalls:            minCalls,
			OpenDuration:        time.Duration(openMs) * time.Millisecond,
			OpenGrowth:          growth,
			MaxOpenDuration:     time.Duration(maxOpenMs) * time.Millisecond,
			Jitter:              jitter,
			ProbeLimit:          probes,
			SuccessesToClose:    successes,
			Clock:               clock,
			Stats:               stats.Discard,
			Logger:              discardLogger(),
		}
		b, err := New(cfg)
		if err != nil {
			if !strings.Contains(err.Error(), "Config.") || errctx.ClassOf(err) != errctx.Permanent {
				t.Fatalf("refusal does not name the field: %v", err)
			}
			return
		}
		cfg = b.cfg
		if len(ops) > 200 {
			ops = ops[:200]
		}
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		var held []Ticket
		for _, op := range ops {
			before := b.State()
			err = nil
			var callErr error
			switch op % 6 {
			case 0, 1:
				if op%6 == 1 {
					callErr = errBoom
				}
				err = b.Run(context.Background(), func(context.Context) error { return callErr })
			case 2:
				err = b.Run(cancelled, func(ctx context.Context) error { return ctx.Err() })
			case 3:
				err = b.Run(context.Background(), func(context.Context) error {
					clock.Advance(cfg.SlowCallDuration + time.Millisecond)
					return nil
				})
			case 4:
				clock.Advance(time.Duration(op) * 100 * time.Millisecond)
				continue
			case 5:
				var tk Ticket
				if tk, err = b.Allow(context.Background()); err == nil && len(held) < 10 {
					held = append(held, tk)
				} else if len(held) > 0 {
					held[0].Done(nil)
					held = held[1:]
				}
			}
			if errors.Is(err, ErrOpen) && before == Closed {
				t.Fatalf("a closed breaker rejected a call")
			}
			if err != nil && !errors.Is(err, ErrOpen) && !errors.Is(err, errBoom) && !errors.Is(err, context.Canceled) {
				t.Fatalf("unexpected error %v", err)
			}
			s := b.Snapshot()
			if s.State.String() == "unknown" {
				t.Fatalf("invalid state %d", s.State)
			}
			c := s.Counts
			if c.Probes < 0 || c.Probes > int32(cfg.ProbeLimit) {
				t.Fatalf("%d probes in flight, limit %d", c.Probes, cfg.ProbeLimit)
			}
			if c.WindowFailures > c.WindowCalls || c.WindowSlow > c.WindowCalls || (cfg.WindowSize > 0 && c.WindowCalls > int64(cfg.WindowSize)) {
				t.Fatalf("inconsistent window %+v", c)
			}
			if s.State == Open && (s.OpenUntil.Sub(s.Since) > time.Duration(float64(cfg.MaxOpenDuration)*(1+cfg.Jitter))+time.Millisecond) {
				t.Fatalf("open for %s, cap %s", s.OpenUntil.Sub(s.Since), cfg.MaxOpenDuration)
			}
		}
	})
}
