package bench_test

// Circuit breakers side by side: vitals/breaker, sony/gobreaker v2 and
// failsafe-go, in the same run. cep21/circuit is not available from the
// module proxy, so it is left out.

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/sony/gobreaker/v2"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/stats"
)

// breakerOK is the guarded call, a variable so that no library inlines it.
var breakerOK = func(context.Context) (int, error) { return 1, nil }

var errBreakerBench = errors.New("connection refused")

func newVitalsBreaker(b *testing.B, cfg breaker.Config) *breaker.Breaker {
	if cfg.Stats == nil {
		cfg.Stats = stats.Discard
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	br, err := breaker.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return br
}

// parallel runs op from GOMAXPROCS goroutines.
func parallel(b *testing.B, op func()) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			op()
		}
	})
}

func serial(b *testing.B, op func()) {
	b.ReportAllocs()
	for b.Loop() {
		op()
	}
}

// contender is one library's way of making the benchmarked call.
type contender struct {
	name string
	op   func()
}

// compare runs each contender from one goroutine and from every core, as
// <name>/serial and <name>/parallel.
func compare(b *testing.B, cs ...contender) {
	for _, c := range cs {
		b.Run(c.name+"/serial", func(b *testing.B) { serial(b, c.op) })
		b.Run(c.name+"/parallel", func(b *testing.B) { parallel(b, c.op) })
	}
}

// BenchmarkBreakerClosed is the common case: a closed breaker with the
// consecutive-failures policy (5) and a call that succeeds.
func BenchmarkBreakerClosed(b *testing.B) {
	ctx := context.Background()
	vb := newVitalsBreaker(b, breaker.Config{Name: "bench"})
	vitals := func() { _, _ = breaker.Do(ctx, vb, breakerOK) }
	// The same with a real statsd emitter, whose per-outcome counters are
	// live handles (with Discard they are nil and cost a nil check).
	emitter, err := stats.NewStatsd(stats.Config{Addr: "127.0.0.1:9"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = emitter.Close() })
	vsb := newVitalsBreaker(b, breaker.Config{Name: "bench", Stats: emitter})
	vitalsStatsd := func() { _, _ = breaker.Do(ctx, vsb, breakerOK) }
	gb := gobreaker.NewCircuitBreaker[int](gobreaker.Settings{Name: "bench"})
	gobr := func() { _, _ = gb.Execute(func() (int, error) { return breakerOK(ctx) }) }
	fb := circuitbreaker.NewBuilder[int]().WithFailureThreshold(5).WithDelay(30 * time.Second).Build()
	fe := failsafe.With[int](fb)
	fail := func() { _, _ = fe.Get(func() (int, error) { return breakerOK(ctx) }) }

	compare(b, contender{"vitals", vitals}, contender{"vitals-statsd", vitalsStatsd}, contender{"gobreaker", gobr}, contender{"failsafe", fail})
}

// BenchmarkBreakerTwoStep is the middleware form: Allow, call, report.
func BenchmarkBreakerTwoStep(b *testing.B) {
	ctx := context.Background()
	vb := newVitalsBreaker(b, breaker.Config{Name: "bench"})
	vitals := func() {
		if t, err := vb.Allow(ctx); err == nil {
			_, err = breakerOK(ctx)
			t.Done(err)
		}
	}
	gb := gobreaker.NewTwoStepCircuitBreaker[int](gobreaker.Settings{Name: "bench"})
	gobr := func() {
		if done, err := gb.Allow(); err == nil {
			_, err = breakerOK(ctx)
			done(err)
		}
	}
	compare(b, contender{"vitals", vitals}, contender{"gobreaker", gobr})
}

// BenchmarkBreakerFailureRate is a closed breaker with a failure-rate
// policy over the last 100 calls (gobreaker has no window; failsafe-go's
// count-based ratio is its equivalent).
func BenchmarkBreakerFailureRate(b *testing.B) {
	ctx := context.Background()
	vb := newVitalsBreaker(b, breaker.Config{Name: "bench", ConsecutiveFailures: -1, FailureRate: 0.5, WindowSize: 100})
	vitals := func() { _, _ = breaker.Do(ctx, vb, breakerOK) }
	fb := circuitbreaker.NewBuilder[int]().WithFailureThresholdRatio(50, 100).WithDelay(30 * time.Second).Build()
	fe := failsafe.With[int](fb)
	fail := func() { _, _ = fe.Get(func() (int, error) { return breakerOK(ctx) }) }
	compare(b, contender{"vitals", vitals}, contender{"failsafe", fail})
}

// BenchmarkBreakerSlowCallRate is vitals with a slow-call policy and a
// time-based window (failsafe-go's time-based failure rate for comparison).
func BenchmarkBreakerSlowCallRate(b *testing.B) {
	ctx := context.Background()
	vb := newVitalsBreaker(b, breaker.Config{Name: "bench", FailureRate: 0.5, SlowCallRate: 0.5, SlowCallDuration: time.Second, WindowDuration: 10 * time.Second})
	vitals := func() { _, _ = breaker.Do(ctx, vb, breakerOK) }
	fb := circuitbreaker.NewBuilder[int]().WithFailureRateThreshold(0.5, 10, 10*time.Second).WithDelay(30 * time.Second).Build()
	fe := failsafe.With[int](fb)
	fail := func() { _, _ = fe.Get(func() (int, error) { return breakerOK(ctx) }) }
	compare(b, contender{"vitals", vitals}, contender{"failsafe", fail})
}

// BenchmarkBreakerRejected is an open breaker turning calls away.
func BenchmarkBreakerRejected(b *testing.B) {
	ctx := context.Background()
	failing := func(context.Context) (int, error) { return 0, errBreakerBench }
	vb := newVitalsBreaker(b, breaker.Config{Name: "bench", ConsecutiveFailures: 1, OpenDuration: time.Hour})
	_, _ = breaker.Do(ctx, vb, failing)
	vitals := func() { _, _ = breaker.Do(ctx, vb, breakerOK) }
	gb := gobreaker.NewCircuitBreaker[int](gobreaker.Settings{Name: "bench", Timeout: time.Hour,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 1 }})
	_, _ = gb.Execute(func() (int, error) { return failing(ctx) })
	gobr := func() { _, _ = gb.Execute(func() (int, error) { return breakerOK(ctx) }) }
	fb := circuitbreaker.NewBuilder[int]().WithFailureThreshold(1).WithDelay(time.Hour).Build()
	fe := failsafe.With[int](fb)
	_, _ = fe.Get(func() (int, error) { return failing(ctx) })
	fail := func() { _, _ = fe.Get(func() (int, error) { return breakerOK(ctx) }) }
	// A breaker left closed would make this a second BenchmarkBreakerClosed.
	if vb.State() != breaker.Open || gb.State() != gobreaker.StateOpen || !fb.IsOpen() {
		b.Fatalf("a breaker did not open: vitals %s, gobreaker %s, failsafe open %t", vb.State(), gb.State(), fb.IsOpen())
	}
	compare(b, contender{"vitals", vitals}, contender{"gobreaker", gobr}, contender{"failsafe", fail})
}
