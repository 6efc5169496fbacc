package bench_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/retry"
)

// retryOK is the operation of the success-path benchmarks, a variable so
// that no library gets to inline it.
var retryOK = func(context.Context) error { return nil }

// retryRefused fails like a refused connection: Transient for vitals, and
// retried by default by the peers.
var retryRefused = errctx.New("connecting to payments", errctx.WithClass(errctx.Transient))

// BenchmarkRetrySuccess is the common case: the first attempt succeeds. It
// measures what wrapping a call in each library's retry costs.
func BenchmarkRetrySuccess(b *testing.B) {
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = retryOK(ctx)
		}
	})
	b.Run("vitals", func(b *testing.B) {
		p := retry.Policy{Name: "bench"}
		b.ReportAllocs()
		for b.Loop() {
			_ = retry.Do(ctx, p, retryOK)
		}
	})
	b.Run("cenkalti-backoff", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, retryOK(ctx) },
				backoff.WithMaxTries(3))
		}
	})
	b.Run("failsafe-go", func(b *testing.B) {
		exec := failsafe.With(retrypolicy.NewBuilder[any]().WithMaxAttempts(3).Build())
		b.ReportAllocs()
		for b.Loop() {
			_ = exec.WithContext(ctx).Run(func() error { return retryOK(ctx) })
		}
	})
}

// BenchmarkRetryTwoFailures makes three attempts, the first two refused, with
// waits as close to zero as each library allows: the cost of the retry
// machinery itself (vitals still classifies, logs through a disabled logger
// and counts to a no-op emitter).
func BenchmarkRetryTwoFailures(b *testing.B) {
	ctx := context.Background()
	flaky := func() func() error {
		calls := 0
		return func() error {
			calls++
			if calls%3 != 0 {
				return retryRefused
			}
			return nil
		}
	}
	b.Run("vitals", func(b *testing.B) {
		op := flaky()
		p := retry.Policy{Name: "bench", Base: time.Nanosecond, Cap: time.Nanosecond, Logger: slog.New(slog.DiscardHandler)}
		b.ReportAllocs()
		for b.Loop() {
			if err := retry.Do(ctx, p, func(context.Context) error { return op() }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cenkalti-backoff", func(b *testing.B) {
		op := flaky()
		b.ReportAllocs()
		for b.Loop() {
			_, err := backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, op() },
				backoff.WithMaxTries(3), backoff.WithBackOff(&backoff.ZeroBackOff{}))
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("failsafe-go", func(b *testing.B) {
		op := flaky()
		exec := failsafe.With(retrypolicy.NewBuilder[any]().WithMaxAttempts(3).WithDelay(0).Build())
		b.ReportAllocs()
		for b.Loop() {
			if err := exec.WithContext(ctx).Run(op); err != nil && !errors.Is(err, retryRefused) {
				b.Fatal(err)
			}
		}
	})
}
