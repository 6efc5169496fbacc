package breaker

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/testclock"
	"github.com/vitals-go/vitals/stats/statstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/vitals-go/vitals/breaker.coarseRun"))
}

var errBoom = errors.New("boom")

// harness is a breaker on a fake clock with its stats and transitions.
type harness struct {
	t     *testing.T
	b     *Breaker
	clock *testclock.Clock
	stats *statstest.Recorder
	trans chan Transition
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: newFakeClock(), stats: statstest.New(), trans: make(chan Transition, 100)}
	if cfg.Name == "" {
		cfg.Name = "dep"
	}
	cfg.Clock = h.clock
	cfg.Stats = h.stats
	if cfg.Logger == nil {
		cfg.Logger = discardLogger()
	}
	b, err := New(cfg)
	require.NoError(t, err)
	h.b = b
	t.Cleanup(b.Subscribe(func(tr Transition) { h.trans <- tr }))
	return h
}

// next waits for the next published transition.
func (h *harness) next() Transition {
	h.t.Helper()
	select {
	case tr := <-h.trans:
		return tr
	case <-time.After(5 * time.Second):
		h.t.Fatal("no transition published")
		return Transition{}
	}
}

// expect waits for a transition to state to.
func (h *harness) expect(from, to State) Transition {
	h.t.Helper()
	tr := h.next()
	require.Equal(h.t, from, tr.From, "from")
	require.Equal(h.t, to, tr.To, "to")
	return tr
}

func (h *harness) quiet() {
	h.t.Helper()
	select {
	case tr := <-h.trans:
		h.t.Fatalf("unexpected transition %s -> %s (%s)", tr.From, tr.To, tr.Reason)
	case <-time.After(20 * time.Millisecond):
	}
}

func (h *harness) run(err error) error {
	return h.b.Run(context.Background(), func(context.Context) error { return err })
}

func (h *harness) fails(n int) {
	h.t.Helper()
	for range n {
		require.ErrorIs(h.t, h.run(errBoom), errBoom)
	}
}

// openElapsed opens a breaker that trips on one failure and lets the default
// 30 s open period elapse: the next call is a probe.
func (h *harness) openElapsed() {
	h.t.Helper()
	h.fails(1)
	h.expect(Closed, Open)
	h.clock.Advance(30 * time.Second)
}

// probeSlotGivenBack checks that the probe that moved the breaker to
// half-open gave its slot back without deciding: the next call may probe,
// and its success closes the breaker.
func (h *harness) probeSlotGivenBack() {
	h.t.Helper()
	h.expect(Open, HalfOpen)
	assert.Equal(h.t, int32(0), h.b.Snapshot().Counts.Probes)
	require.NoError(h.t, h.run(nil), "the slot was given back: the next call may probe")
	h.expect(HalfOpen, Closed)
}

func (h *harness) counted(outcome string) int64 {
	return h.stats.Counted("breaker.dep.calls." + outcome)
}

func TestDefaults(t *testing.T) {
	b, err := New(Config{})
	require.NoError(t, err)
	assert.Equal(t, "default", b.Name())
	assert.Equal(t, Closed, b.State())
	cfg := b.cfg
	assert.Equal(t, 5, cfg.ConsecutiveFailures)
	assert.Equal(t, 30*time.Second, cfg.OpenDuration)
	assert.Equal(t, 1, cfg.ProbeLimit)
	assert.Equal(t, 1, cfg.SuccessesToClose)
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Closed: "closed", HalfOpen: "half_open", Open: "open", ForcedOpen: "forced_open", Disabled: "disabled", 9: "unknown"} {
		assert.Equal(t, want, s.String())
	}
	assert.Equal(t, "ignored", Ignore.String())
}

func TestInvalidConfigNamesTheField(t *testing.T) {
	for field, cfg := range map[string]Config{
		"FailureRate":      {FailureRate: 1.5},
		"SlowCallRate":     {SlowCallRate: -0.1},
		"SlowCallDuration": {SlowCallRate: 0.5},
		"WindowSize":       {WindowSize: -1},
		"WindowDuration":   {WindowDuration: -time.Second},
		"WindowBuckets":    {WindowBuckets: MaxWindowBuckets + 1},
		"MinCalls":         {MinCalls: -2},
		"OpenDuration":     {OpenDuration: -1},
		"OpenGrowth":       {OpenGrowth: 0.5},
		"MaxOpenDuration":  {OpenDuration: time.Minute, MaxOpenDuration: time.Second},
		"Jitter":           {Jitter: 1},
		"ProbeLimit":       {ProbeLimit: -1},
		"SuccessesToClose": {SuccessesToClose: -1},
		"Timeout":          {Timeout: -time.Second},
	} {
		t.Run(field, func(t *testing.T) {
			cfg.Name = "payments"
			_, err := New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "Config."+field)
			assert.Contains(t, err.Error(), "configuring breaker payments")
			assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
			assert.NotEmpty(t, errctx.RemediesOf(err))
		})
	}
}

func TestConsecutiveFailuresTrip(t *testing.T) {
	h := newHarness(t, Config{})
	h.fails(4)
	require.NoError(t, h.run(nil), "a success resets the run")
	h.fails(4)
	assert.Equal(t, Closed, h.b.State())
	assert.Equal(t, int64(4), h.b.Snapshot().Counts.ConsecutiveFailures)
	h.fails(1)
	tr := h.expect(Closed, Open)
	assert.Equal(t, "5 consecutive failures", tr.Reason)
	assert.Equal(t, uint64(1), tr.Generation)
	assert.Equal(t, int64(5), tr.Counts.ConsecutiveFailures)
	assert.ErrorIs(t, tr.LastError, errBoom)
	assert.Equal(t, h.clock.Now().Add(30*time.Second), tr.OpenUntil)
	assert.Equal(t, Open, h.b.State())
	assert.Equal(t, int64(9), h.counted("failure"))
	assert.Equal(t, int64(1), h.counted("success"))
}

func TestPolicyOff(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: -1, FailureRate: 1, WindowSize: 200, MinCalls: 200})
	h.fails(100)
	assert.Equal(t, Closed, h.b.State())
}

func TestRejection(t *testing.T) {
	h := newHarness(t, Config{Name: "payments", ConsecutiveFailures: 2})
	h.fails(2)
	h.expect(Closed, Open)
	h.clock.Advance(10 * time.Second)

	called := false
	_, err := Do(context.Background(), h.b, func(context.Context) (int, error) { called = true; return 1, nil })
	require.ErrorIs(t, err, ErrOpen)
	assert.False(t, called, "a rejected call is not made")
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err))
	assert.Equal(t, "calling payments: circuit breaker is open", err.Error())
	assert.Equal(t, []string{"calling payments"}, errctx.AttemptedOf(err))
	after, ok := errctx.RetryAfterOf(err)
	require.True(t, ok)
	assert.Equal(t, 20*time.Second, after, "Retry-After is the time left open")
	remedy := errctx.RemediesOf(err)
	require.Len(t, remedy, 1)
	assert.Contains(t, remedy[0], "resume at 2026-11-23T14:00:30Z")
	assert.Contains(t, remedy[0], "2 consecutive failures")
	assert.Contains(t, remedy[0], "boom")
	assert.Equal(t, int64(1), h.stats.Counted("breaker.payments.calls.rejected"))

	_, err = h.b.Allow(context.Background())
	assert.ErrorIs(t, err, ErrOpen)
	assert.ErrorIs(t, h.run(nil), ErrOpen)
}

func TestOpenHalfOpenClosed(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1, OpenDuration: time.Minute})
	h.fails(1)
	h.expect(Closed, Open)
	h.clock.Advance(time.Minute - time.Millisecond)
	assert.ErrorIs(t, h.run(nil), ErrOpen)
	h.clock.Advance(time.Millisecond)
	assert.Equal(t, Open, h.b.State(), "half-open only on the next call")

	tk, err := h.b.Allow(context.Background())
	require.NoError(t, err)
	assert.NotNil(t, tk.probe(), "the call is a probe")
	tr := h.expect(Open, HalfOpen)
	assert.Equal(t, "the open period elapsed", tr.Reason)

	_, err = h.b.Allow(context.Background())
	require.ErrorIs(t, err, ErrOpen, "a second probe is rejected at once")
	assert.Contains(t, errctx.RemediesOf(err)[0], "half-open")

	tk.Done(nil)
	tr = h.expect(HalfOpen, Closed)
	assert.Equal(t, "1 successful probe(s)", tr.Reason)
	assert.Equal(t, uint64(3), tr.Generation)
	require.NoError(t, h.run(nil))
}

func TestSuccessesToCloseAndProbeLimit(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1, ProbeLimit: 2, SuccessesToClose: 3})
	h.openElapsed()
	ctx := context.Background()
	t1, err := h.b.Allow(ctx)
	require.NoError(t, err)
	h.expect(Open, HalfOpen)
	t2, err := h.b.Allow(ctx)
	require.NoError(t, err)
	_, err = h.b.Allow(ctx)
	require.ErrorIs(t, err, ErrOpen)
	assert.Equal(t, int32(2), h.b.Snapshot().Counts.Probes)
	t1.Done(nil)
	t2.Done(nil)
	assert.Equal(t, HalfOpen, h.b.State())
	assert.Equal(t, int32(2), h.b.Snapshot().Counts.ProbeSuccesses)
	require.NoError(t, h.run(nil))
	h.expect(HalfOpen, Closed)
}

func TestProbeFailureReopensWithGrowth(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1, OpenDuration: time.Second, OpenGrowth: 2, MaxOpenDuration: 3 * time.Second})
	h.fails(1)
	var got []time.Duration
	from := Closed
	for range 4 {
		tr := h.expect(from, Open)
		from = HalfOpen
		open := tr.OpenUntil.Sub(tr.At)
		got = append(got, open)
		h.clock.Advance(open)
		require.ErrorIs(t, h.run(errBoom), errBoom)
		h.expect(Open, HalfOpen)
	}
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}, got)
	tr := h.expect(HalfOpen, Open)
	assert.Equal(t, "a failed probe", tr.Reason)
	assert.ErrorIs(t, tr.LastError, errBoom, "the probe's error goes with the transition, structured")
	h.clock.Advance(3 * time.Second)
	require.NoError(t, h.run(nil))
	h.expect(Open, HalfOpen)
	h.expect(HalfOpen, Closed)
	h.fails(1)
	tr = h.expect(Closed, Open)
	assert.Equal(t, time.Second, tr.OpenUntil.Sub(tr.At), "closing resets the growth")
}

func TestJitterStaysInBounds(t *testing.T) {
	b, err := New(Config{OpenDuration: 10 * time.Second, Jitter: 0.2})
	require.NoError(t, err)
	seen := map[time.Duration]bool{}
	for range 200 {
		d := b.openDuration(0)
		require.GreaterOrEqual(t, d, 8*time.Second)
		require.LessOrEqual(t, d, 12*time.Second)
		seen[d] = true
	}
	assert.Greater(t, len(seen), 100, "jitter spreads the periods")
}

func TestFailureRateCountWindow(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: -1, FailureRate: 0.5, WindowSize: 10, MinCalls: 6})
	h.fails(5)
	h.quiet()
	for range 5 {
		require.NoError(t, h.run(nil))
	}
	c := h.b.Snapshot().Counts
	assert.Equal(t, Counts{WindowCalls: 10, WindowFailures: 5}, c)
	// The window slides: five successes push out five failures.
	for range 5 {
		require.NoError(t, h.run(nil))
	}
	assert.Equal(t, int64(0), h.b.Snapshot().Counts.WindowFailures)
	h.fails(4)
	h.quiet()
	h.fails(1)
	tr := h.expect(Closed, Open)
	assert.Equal(t, "a failure rate of 50% (5 of the last 10 calls)", tr.Reason)
	assert.Equal(t, Counts{ConsecutiveFailures: 5, WindowCalls: 10, WindowFailures: 5}, tr.Counts)
}

func TestMinCalls(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: -1, FailureRate: 0.1, MinCalls: 3})
	h.fails(2)
	h.quiet()
	h.fails(1)
	h.expect(Closed, Open)
}

func TestFailureRateTimeWindow(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: -1, FailureRate: 0.5, WindowDuration: 10 * time.Second, WindowBuckets: 10, MinCalls: 4})
	h.fails(3)
	h.clock.Advance(10 * time.Second)
	assert.Equal(t, int64(0), h.b.Snapshot().Counts.WindowCalls, "old buckets expire")
	h.fails(1)
	h.quiet()
	for range 3 {
		require.NoError(t, h.run(nil))
		h.clock.Advance(time.Second)
	}
	assert.Equal(t, Counts{WindowCalls: 4, WindowFailures: 1}, h.b.Snapshot().Counts)
	h.fails(1)
	h.quiet()
	h.fails(1)
	tr := h.expect(Closed, Open)
	assert.Equal(t, "a failure rate of 50% (3 of the last 6 calls)", tr.Reason)
}

func TestSlowCallRate(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: -1, SlowCallRate: 0.5, SlowCallDuration: time.Second, WindowSize: 4, MinCalls: 4})
	call := func(d time.Duration) {
		require.NoError(t, h.b.Run(context.Background(), func(context.Context) error { h.clock.Advance(d); return nil }))
	}
	call(time.Second)
	call(10 * time.Millisecond)
	call(10 * time.Millisecond)
	h.quiet()
	assert.Equal(t, int64(1), h.counted("slow"))
	call(2 * time.Second)
	tr := h.expect(Closed, Open)
	assert.Equal(t, "a slow-call rate of 50% (2 of the last 4 calls took 1s or more)", tr.Reason)
	assert.Equal(t, int64(4), h.counted("success"))

	// A slow probe re-opens.
	h.clock.Advance(30 * time.Second)
	call(3 * time.Second)
	h.expect(Open, HalfOpen)
	tr = h.expect(HalfOpen, Open)
	assert.Equal(t, "a slow probe (1s or more)", tr.Reason)
}

func TestCombinedPolicies(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 3, FailureRate: 0.9, MinCalls: 2})
	require.NoError(t, h.run(nil))
	h.fails(3)
	tr := h.expect(Closed, Open)
	assert.Equal(t, "3 consecutive failures", tr.Reason, "whichever policy trips first")
}

func TestTimeWindowRealClock(t *testing.T) {
	b, err := New(Config{Name: "tw", ConsecutiveFailures: -1, FailureRate: 0.5, WindowDuration: time.Second, MinCalls: 2, Logger: discardLogger()})
	require.NoError(t, err)
	for range 2 {
		_ = b.Run(context.Background(), func(context.Context) error { return errBoom })
	}
	assert.Equal(t, Open, b.State())
}

func TestCallerCancellationIsIgnored(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := h.b.Run(ctx, func(ctx context.Context) error { return ctx.Err() })
	require.ErrorIs(t, err, context.Canceled)
	err = h.b.Run(ctx, func(ctx context.Context) error { return errctx.Wrap(ctx.Err(), "reading") })
	require.Error(t, err)
	h.quiet()
	assert.Equal(t, Closed, h.b.State())
	assert.Equal(t, int64(2), h.counted("ignored"))

	// A cancelled probe gives its slot back.
	h.openElapsed()
	err = h.b.Run(ctx, func(ctx context.Context) error { return ctx.Err() })
	require.ErrorIs(t, err, context.Canceled)
	h.probeSlotGivenBack()
}

func TestNotAFailureIsSuccess(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1})
	declined := errctx.New("charging card", errctx.WithClass(errctx.NotAFailure))
	for range 3 {
		require.ErrorIs(t, h.run(declined), declined)
	}
	h.quiet()
	assert.Equal(t, int64(3), h.counted("success"))
}

func TestUserClassifier(t *testing.T) {
	errNotFound := errors.New("not found")
	h := newHarness(t, Config{ConsecutiveFailures: 2, Classify: func(err error) Outcome {
		switch {
		case err == nil:
			return Success
		case errors.Is(err, errNotFound):
			return Ignore
		}
		return Failure
	}})
	for range 5 {
		_ = h.run(errNotFound)
	}
	h.quiet()
	assert.Equal(t, int64(5), h.counted("ignored"))
	tk, err := h.b.Allow(context.Background())
	require.NoError(t, err)
	tk.Done(errBoom)
	tk, err = h.b.Allow(context.Background())
	require.NoError(t, err)
	tk.Record(Failure, nil)
	h.expect(Closed, Open)
}

type response struct{ Status int }

func TestDoClassified(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 2})
	byStatus := func(r *response, err error) Outcome {
		switch {
		case err != nil || r.Status >= 500:
			return Failure
		case r.Status == 499:
			return Ignore
		}
		return Success
	}
	get := func(status int) (*response, error) {
		return DoClassified(context.Background(), h.b, func(context.Context) (*response, error) { return &response{Status: status}, nil }, byStatus)
	}
	r, err := get(404)
	require.NoError(t, err)
	assert.Equal(t, 404, r.Status)
	_, _ = get(503)
	_, _ = get(499)
	_, _ = get(200)
	_, _ = get(503)
	h.quiet()
	_, _ = get(502)
	tr := h.expect(Closed, Open)
	assert.Equal(t, "2 consecutive failures", tr.Reason)
	_, err = get(200)
	assert.ErrorIs(t, err, ErrOpen)
}

func TestTimeout(t *testing.T) {
	b, err := New(Config{Name: "slowdep", ConsecutiveFailures: 2, Timeout: 5 * time.Millisecond, Logger: discardLogger()})
	require.NoError(t, err)
	hang := func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }
	_, err = Do(context.Background(), b, hang)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err))
	assert.Contains(t, errctx.RemediesOf(err)[0], "5ms timeout")
	assert.Equal(t, int64(1), b.Snapshot().Counts.ConsecutiveFailures)
	_, _ = Do(context.Background(), b, hang)
	assert.Equal(t, Open, b.State())

	// The caller's own deadline is the caller's business, but when it is
	// the dependency that hangs the breaker still counts it.
	b.Reset()
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err = Do(ctx, b, hang)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int64(1), b.Snapshot().Counts.ConsecutiveFailures)
}

func TestPanickingProbeGivesItsSlotBack(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1})
	h.openElapsed()
	require.PanicsWithValue(t, "probe exploded", func() {
		_, _ = Do(context.Background(), h.b, func(context.Context) (int, error) { panic("probe exploded") })
	})
	h.probeSlotGivenBack()
}

func TestStaleGenerationIsIgnored(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1})
	ctx := context.Background()
	old, err := h.b.Allow(ctx)
	require.NoError(t, err)
	h.fails(1)
	h.expect(Closed, Open)
	h.b.Reset()
	h.expect(Open, Closed)
	old.Done(errBoom)
	h.quiet()
	assert.Equal(t, Closed, h.b.State(), "a call from generation 0 cannot trip generation 2")

	// A probe of an earlier half-open generation cannot close a later one.
	h.openElapsed()
	probe, err := h.b.Allow(ctx)
	require.NoError(t, err)
	h.expect(Open, HalfOpen)
	h.b.ForceOpen("maintenance")
	h.expect(HalfOpen, ForcedOpen)
	probe.Done(nil)
	h.quiet()
	assert.Equal(t, ForcedOpen, h.b.State())
}

func TestManualModes(t *testing.T) {
	h := newHarness(t, Config{Name: "payments", ConsecutiveFailures: 1})
	h.b.ForceOpen("card processor migration")
	tr := h.expect(Closed, ForcedOpen)
	assert.Equal(t, "forced open: card processor migration", tr.Reason)
	err := h.run(nil)
	require.ErrorIs(t, err, ErrOpen)
	assert.Contains(t, errctx.RemediesOf(err)[0], "card processor migration")
	assert.Contains(t, errctx.RemediesOf(err)[0], "Reset()")
	h.clock.Advance(time.Hour)
	assert.ErrorIs(t, h.run(nil), ErrOpen, "forced open does not expire")

	h.b.Disable()
	h.expect(ForcedOpen, Disabled)
	h.fails(10)
	h.quiet()
	assert.Equal(t, Disabled, h.b.State())
	assert.Equal(t, int64(10), h.stats.Counted("breaker.payments.calls.failure"), "disabled still measures")

	h.b.Reset()
	tr = h.expect(Disabled, Closed)
	assert.Equal(t, "reset", tr.Reason)
	s := h.b.Snapshot()
	assert.Equal(t, uint64(3), s.Generation)
	assert.Equal(t, Counts{}, s.Counts)
	h.fails(1)
	h.expect(Closed, Open)
}

func TestSnapshot(t *testing.T) {
	h := newHarness(t, Config{Name: "payments", Critical: true, ConsecutiveFailures: 2})
	h.fails(1)
	s := h.b.Snapshot()
	assert.Equal(t, "payments", s.Name)
	assert.Equal(t, Closed, s.State)
	assert.True(t, s.Critical)
	assert.Equal(t, int64(1), s.Counts.ConsecutiveFailures)
	assert.NoError(t, s.LastError, "a closed breaker quotes no error")
	h.clock.Advance(time.Second)
	h.fails(1)
	h.expect(Closed, Open)
	s = h.b.Snapshot()
	assert.Equal(t, Open, s.State)
	assert.Equal(t, h.clock.Now(), s.Since)
	assert.Equal(t, h.clock.Now().Add(30*time.Second), s.OpenUntil)
	assert.Equal(t, "2 consecutive failures", s.Reason)
	assert.ErrorIs(t, s.LastError, errBoom)
	assert.Equal(t, "breaker payments (open)", h.b.String())
}

func TestZeroTicketIsInert(t *testing.T) {
	var tk Ticket
	tk.Done(errBoom)
	tk.Record(Failure, errBoom)
}

func TestClosedPathDoesNotAllocate(t *testing.T) {
	b, err := New(Config{Name: "alloc"})
	require.NoError(t, err)
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = Do(ctx, b, ok) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		tk, _ := b.Allow(ctx)
		tk.Done(nil)
	}))
	w, err := New(Config{Name: "alloc-w", FailureRate: 0.5, SlowCallRate: 0.5, SlowCallDuration: time.Second, WindowDuration: time.Minute})
	require.NoError(t, err)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = Do(ctx, w, ok) }))
	b.ForceOpen("test")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = Do(ctx, b, ok) }))
}

func TestCallerCancellationIgnoredWithUserClassifier(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1, Classify: func(error) Outcome { return Failure }})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = h.b.Run(ctx, func(ctx context.Context) error { return ctx.Err() })
	_, _ = DoClassified(ctx, h.b, func(ctx context.Context) (int, error) { return 0, ctx.Err() }, func(int, error) Outcome { return Failure })
	h.quiet()
	assert.Equal(t, int64(2), h.counted("ignored"))
}

func TestSnapshotJSON(t *testing.T) {
	h := newHarness(t, Config{Name: "payments", ConsecutiveFailures: 1})
	h.fails(1)
	h.expect(Closed, Open)
	out, err := json.Marshal(h.b.Snapshot())
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"payments","state":"open","since":"2026-11-23T14:00:00Z","generation":1,
		"reason":"1 failure in a row","open_until":"2026-11-23T14:00:30Z","critical":false,"last_error":"boom",
		"counts":{"consecutive_failures":0,"window_calls":0,"window_failures":0,"window_slow":0,"probes":0,"probe_successes":0}}`, string(out))
}

func TestConsecutiveFailuresReason(t *testing.T) {
	for n, want := range map[int]string{1: "1 failure in a row", 2: "2 consecutive failures", 5: "5 consecutive failures"} {
		h := newHarness(t, Config{ConsecutiveFailures: n})
		h.fails(n)
		assert.Equal(t, want, h.expect(Closed, Open).Reason)
	}
}

func TestSlowCallRealClock(t *testing.T) {
	b, err := New(Config{Name: "slow-real", ConsecutiveFailures: -1, SlowCallRate: 0.5, SlowCallDuration: 20 * time.Millisecond, WindowSize: 2, MinCalls: 2, Logger: discardLogger()})
	require.NoError(t, err)
	slow := func(context.Context) error { time.Sleep(40 * time.Millisecond); return nil }
	require.NoError(t, b.Run(context.Background(), func(context.Context) error { return nil }))
	require.NoError(t, b.Run(context.Background(), slow))
	assert.Equal(t, Open, b.State())
}

func TestOutcomeString(t *testing.T) {
	assert.Equal(t, "unknown", Outcome(7).String())
}
