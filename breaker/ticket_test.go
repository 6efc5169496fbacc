package breaker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
)

// A call that outlives Config.Timeout and then answers well is a failure
// for the breaker whichever entry point made it, and a success for its
// caller.
func TestLateSuccessFailsThroughEveryEntryPoint(t *testing.T) {
	late := func(ctx context.Context) (*response, error) {
		<-ctx.Done()
		return &response{Status: 200}, nil
	}
	byStatus := func(r *response, err error) Outcome {
		if err != nil || r.Status >= 500 {
			return Failure
		}
		return Success
	}
	for name, call := range map[string]func(*Breaker) (*response, error){
		"Do": func(b *Breaker) (*response, error) { return Do(context.Background(), b, late) },
		"DoClassified": func(b *Breaker) (*response, error) {
			return DoClassified(context.Background(), b, late, byStatus)
		},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := New(Config{Name: "late", ConsecutiveFailures: 2, Timeout: time.Millisecond, Logger: discardLogger()})
			require.NoError(t, err)
			r, err := call(b)
			require.NoError(t, err, "the caller gets the late answer")
			assert.Equal(t, 200, r.Status)
			assert.Equal(t, int64(1), b.Snapshot().Counts.ConsecutiveFailures, "the breaker counts a failure")
		})
	}
}

// A probe reported twice counts once: it cannot close the breaker alone,
// free a second slot, or leave a negative probe count.
func TestProbeReportedTwiceCountsOnce(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1, SuccessesToClose: 2})
	h.openElapsed()
	ctx := context.Background()
	tk, err := h.b.Allow(ctx)
	require.NoError(t, err)
	h.expect(Open, HalfOpen)
	tk.Done(nil)
	tk.Done(nil)
	tk.Record(Success, nil)
	h.quiet()
	s := h.b.Snapshot()
	assert.Equal(t, HalfOpen, s.State)
	assert.Equal(t, int32(0), s.Counts.Probes)
	assert.Equal(t, int32(1), s.Counts.ProbeSuccesses)
	assert.Equal(t, int64(1), h.counted("success"))

	t2, err := h.b.Allow(ctx)
	require.NoError(t, err)
	_, err = h.b.Allow(ctx)
	require.ErrorIs(t, err, ErrOpen, "one slot: the double report freed none")
	t2.Done(nil)
	h.expect(HalfOpen, Closed)
}

// A probe never reported does not keep the breaker half-open: once the probe
// deadline has passed, the next call finds the probe lost and re-opens the
// breaker, whose next open period lets a new probe in.
func TestForgottenProbeReopens(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1, OpenDuration: time.Minute})
	h.fails(1)
	h.expect(Closed, Open)
	h.clock.Advance(time.Minute)
	ctx := context.Background()
	_, err := h.b.Allow(ctx) // forgotten
	require.NoError(t, err)
	h.expect(Open, HalfOpen)
	h.clock.Advance(time.Minute - time.Millisecond)
	_, err = h.b.Allow(ctx)
	require.ErrorIs(t, err, ErrOpen, "within the deadline the probe may still report")
	h.quiet()
	h.clock.Advance(time.Millisecond)
	_, err = h.b.Allow(ctx)
	require.ErrorIs(t, err, ErrOpen)
	tr := h.expect(HalfOpen, Open)
	assert.Equal(t, "a probe not reported within 1m0s", tr.Reason)
	h.clock.Advance(tr.OpenUntil.Sub(tr.At))
	require.NoError(t, h.run(nil))
	h.expect(Open, HalfOpen)
	h.expect(HalfOpen, Closed)
}

// A failure that carries an error costs no allocation, in a closed breaker
// and a disabled one alike.
func TestFailureWithErrorDoesNotAllocate(t *testing.T) {
	b, err := New(Config{Name: "alloc-fail", ConsecutiveFailures: 1 << 30, Logger: discardLogger()})
	require.NoError(t, err)
	ctx := context.Background()
	fail := func(context.Context) error { return errBoom }
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = b.Run(ctx, fail) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		tk, _ := b.Allow(ctx)
		tk.Done(errBoom)
	}))
	b.Disable()
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = b.Run(ctx, fail) }))
	assert.Equal(t, errctx.Unknown, errctx.ClassOf(errBoom), "errBoom is a failure")
}
