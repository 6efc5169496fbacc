package retry_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/retry"
)

// ok is the operation of the success-path benchmarks, a variable so that it
// cannot be inlined into either side of the comparison.
var ok = func(context.Context) error { return nil }

var okValue = func(context.Context) (int, error) { return 1, nil }

// benchKey is an idempotency key held in a variable, as callers hold theirs.
var benchKey = "inv-2024-0042"

func BenchmarkSuccess(b *testing.B) {
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = ok(ctx)
		}
	})
	b.Run("Do", func(b *testing.B) {
		p := retry.Policy{Name: "bench"}
		b.ReportAllocs()
		for b.Loop() {
			_ = retry.Do(ctx, p, ok)
		}
	})
	b.Run("DoIdempotencyKey", func(b *testing.B) {
		p := retry.Policy{Name: "bench", IdempotencyKey: benchKey}
		b.ReportAllocs()
		for b.Loop() {
			_ = retry.Do(ctx, p, ok)
		}
	})
	b.Run("DoValue", func(b *testing.B) {
		p := retry.Policy{Name: "bench"}
		b.ReportAllocs()
		for b.Loop() {
			_, _ = retry.DoValue(ctx, p, okValue)
		}
	})
}

func TestSuccessPathDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	p := retry.Policy{Name: "charge", Idempotent: true}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = retry.Do(ctx, p, ok) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = retry.DoValue(ctx, p, okValue) }))
}
