package breaker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/stats"
)

// A classifier that panics on a probe (here reading the status of a nil
// response) must not keep the probe slot: the call is judged by the default
// rule, the panic is counted, and the breaker moves on.
func TestPanickingClassifierDoesNotStickHalfOpen(t *testing.T) {
	status := func(r *response, _ error) Outcome {
		if r.Status >= 500 { // panics on a nil response
			return Failure
		}
		return Success
	}
	h := newHarness(t, Config{ConsecutiveFailures: 1})
	h.openElapsed()
	_, err := DoClassified(context.Background(), h.b, func(context.Context) (*response, error) { return nil, nil }, status)
	require.NoError(t, err, "the classifier's panic does not reach the caller")
	h.expect(Open, HalfOpen)
	h.expect(HalfOpen, Closed)
	assert.Equal(t, int64(1), h.counted("success"), "judged by the default rule: a nil error is a success")
	assert.Equal(t, int64(1), h.stats.Counted("breaker.dep.classifier_panics"))

	// The same through Config.Classify and Ticket.Done.
	h = newHarness(t, Config{ConsecutiveFailures: 1, Classify: func(err error) Outcome { panic("classifier exploded") }})
	h.fails(1)
	h.expect(Closed, Open)
	h.clock.Advance(30 * time.Second)
	tk, err := h.b.Allow(context.Background())
	require.NoError(t, err)
	h.expect(Open, HalfOpen)
	tk.Done(errBoom)
	h.expect(HalfOpen, Open)
	assert.Equal(t, int64(2), h.stats.Counted("breaker.dep.classifier_panics"))
}

// An ignored probe, or one its caller cancelled, says nothing about the
// dependency, however long it took.
func TestIgnoredProbeIsNotSlow(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1, SlowCallRate: 0.5, SlowCallDuration: time.Second})
	h.openElapsed()
	ctx := context.Background()
	tk, err := h.b.Allow(ctx)
	require.NoError(t, err)
	h.expect(Open, HalfOpen)
	h.clock.Advance(2 * time.Second)
	tk.Record(Ignore, nil)
	h.quiet()
	assert.Equal(t, HalfOpen, h.b.State())

	cctx, cancel := context.WithCancel(ctx)
	err = h.b.Run(cctx, func(ctx context.Context) error {
		h.clock.Advance(2 * time.Second)
		cancel()
		return ctx.Err()
	})
	require.ErrorIs(t, err, context.Canceled)
	h.quiet()
	assert.Equal(t, HalfOpen, h.b.State())
	assert.Equal(t, int64(2), h.counted("ignored"))
	assert.Zero(t, h.counted("slow"), "an ignored call is not counted as slow either")
	require.NoError(t, h.run(nil), "both slots were given back")
	h.expect(HalfOpen, Closed)
}

// A call that panics is counted in breaker.<name>.calls.panicked, on every
// path, and the panic reaches the caller unchanged.
func TestPanickingCallIsCounted(t *testing.T) {
	for name, cfg := range map[string]Config{
		"closed":  {},
		"timeout": {Timeout: time.Minute},
		"timed":   {SlowCallRate: 0.5, SlowCallDuration: time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, cfg)
			require.PanicsWithValue(t, "exploded", func() { _ = h.b.Run(context.Background(), func(context.Context) error { panic("exploded") }) })
			require.PanicsWithValue(t, "exploded", func() {
				_, _ = Do(context.Background(), h.b, func(context.Context) (int, error) { panic("exploded") })
			})
			require.PanicsWithValue(t, "exploded", func() {
				_, _ = DoClassified(context.Background(), h.b, func(context.Context) (int, error) { panic("exploded") }, func(int, error) Outcome { return Success })
			})
			assert.Equal(t, int64(3), h.counted("panicked"))
			assert.Zero(t, h.counted("failure")+h.counted("success")+h.counted("ignored"), "a panic is counted once, in its own counter")
			assert.Equal(t, Counts{}, h.b.Snapshot().Counts, "a panic is the caller's bug: it does not count towards a trip")
		})
	}
}

// With stats.Discard, where Do and Run skip counting a panic (nothing would
// see the count), a panic still reaches the caller unchanged and counts
// towards nothing, closed or disabled.
func TestPanickingCallWithDiscardedStats(t *testing.T) {
	b, err := New(Config{Name: "discarded", ConsecutiveFailures: 1, Stats: stats.Discard, Logger: discardLogger()})
	require.NoError(t, err)
	ctx := context.Background()
	for _, disabled := range []bool{false, true} {
		if disabled {
			b.Disable()
		}
		require.PanicsWithValue(t, "exploded", func() { _ = b.Run(ctx, func(context.Context) error { panic("exploded") }) })
		require.PanicsWithValue(t, "exploded", func() {
			_, _ = Do(ctx, b, func(context.Context) (int, error) { panic("exploded") })
		})
		assert.Equal(t, Counts{}, b.Snapshot().Counts)
		require.NoError(t, b.Run(ctx, func(context.Context) error { return nil }))
	}
	assert.Equal(t, Disabled, b.State())
}

// A breaker opened by result failures quotes no error of an earlier trip,
// however long ago.
func TestLastErrorIsOfTheCurrentTrip(t *testing.T) {
	h := newHarness(t, Config{Name: "payments", ConsecutiveFailures: 3})
	h.fails(1)
	require.NoError(t, h.run(nil))
	h.clock.Advance(72 * time.Hour)
	byStatus := func(r *response, err error) Outcome {
		if err != nil || r.Status >= 500 {
			return Failure
		}
		return Success
	}
	for range 3 {
		_, _ = DoClassified(context.Background(), h.b, func(context.Context) (*response, error) { return &response{Status: 503}, nil }, byStatus)
	}
	tr := h.expect(Closed, Open)
	assert.NoError(t, tr.LastError, "the trip's failures carried no error")
	assert.NoError(t, h.b.Snapshot().LastError)
	err := h.run(nil)
	require.ErrorIs(t, err, ErrOpen)
	assert.NotContains(t, errctx.RemediesOf(err)[0], "boom")

	// A trip whose last failure carries an error quotes that one.
	h.clock.Advance(30 * time.Second)
	require.ErrorIs(t, h.run(errBoom), errBoom)
	h.expect(Open, HalfOpen)
	tr = h.expect(HalfOpen, Open)
	assert.ErrorIs(t, tr.LastError, errBoom)
	assert.ErrorIs(t, h.b.Snapshot().LastError, errBoom)
	assert.Contains(t, errctx.RemediesOf(h.run(nil))[0], "boom")
}
