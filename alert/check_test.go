package alert_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/internal/testclock"
	"github.com/vitals-go/vitals/reqid"
)

// checkStat returns the counter check.<name>.<what>.
func (r *rig) checkStat(name, what string) int64 {
	return r.rec.NewCounter("check." + name + "." + what).Value()
}

// nextRun advances clock by every until a tick starts a run of the check
// name rather than skipping it: the previous run may still be reporting
// when its count shows.
func (r *rig) nextRun(t *testing.T, clock *testclock.Clock, name string, every time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		before := r.checkStat(name, "skipped")
		clock.Advance(every)
		return r.checkStat(name, "skipped") == before
	}, waitFor, tick, "no tick of %s started a run", name)
}

// waitRuns waits until the check name has finished n runs.
func (r *rig) waitRuns(t *testing.T, name string, n int64) {
	t.Helper()
	require.Eventually(t, func() bool { return r.checkStat(name, "runs") >= n }, waitFor, tick,
		"%d runs of %s, want %d", r.checkStat(name, "runs"), name, n)
}

func TestCheckAlertsWhenItFailsAndResolvesWhenItHoldsAgain(t *testing.T) {
	clock := newClock()
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: clock})
	var unpaid atomic.Int64
	var runIDs atomic.Value
	stop, err := r.n.CheckWith(alert.CheckConfig{Name: "paid-without-auth-code", Every: time.Minute, Severity: alert.Page,
		Remedy: "stop fulfilment of the purchases listed",
		Run: func(ctx context.Context) error {
			id, _ := reqid.From(ctx)
			runIDs.Store(id)
			if k := unpaid.Load(); k > 0 {
				return errctx.New("find purchases paid without an authorization code",
					errctx.Remedy("ask payments for the codes"), errctx.Fields("purchases", k))
			}
			return nil
		}})
	require.NoError(t, err)
	t.Cleanup(stop)
	r.waitRuns(t, "paid-without-auth-code", 1) // at once, and the invariant holds

	unpaid.Store(3)
	r.nextRun(t, clock, "paid-without-auth-code", time.Minute)
	ev := sink.wait(t, 1)[0]
	assert.Equal(t, alert.Firing, ev.Status)
	assert.True(t, ev.Ongoing)
	assert.Equal(t, alert.Page, ev.Severity)
	assert.Equal(t, "check.paid-without-auth-code", ev.Fingerprint)
	assert.Equal(t, "check paid-without-auth-code failed", ev.Summary)
	assert.EqualError(t, ev.Err, "find purchases paid without an authorization code")
	assert.Equal(t, "stop fulfilment of the purchases listed; ask payments for the codes", ev.Remedy)
	assert.Equal(t, runIDs.Load(), ev.RequestID, "the run's own request ID, which its logs carry")
	fields := attrs(ev.Fields)
	assert.Equal(t, "paid-without-auth-code", fields["check"])
	assert.Equal(t, int64(3), fields["purchases"])
	assert.Equal(t, float64(1), r.rec.NewGauge("check.paid-without-auth-code.failing").Value())

	r.waitRuns(t, "paid-without-auth-code", 2)
	r.nextRun(t, clock, "paid-without-auth-code", time.Minute) // still failing: the same alert, no new event
	r.waitRuns(t, "paid-without-auth-code", 3)
	unpaid.Store(0)
	r.nextRun(t, clock, "paid-without-auth-code", time.Minute)
	evs := sink.wait(t, 2)
	assert.Equal(t, []alert.Status{alert.Firing, alert.Resolved}, statuses(evs))
	assert.Equal(t, "check.paid-without-auth-code", evs[1].Fingerprint)
	r.waitRuns(t, "paid-without-auth-code", 4)
	assert.Equal(t, int64(2), r.checkStat("paid-without-auth-code", "failed"))
	assert.Equal(t, float64(0), r.rec.NewGauge("check.paid-without-auth-code.failing").Value())
}

func TestCheckNeverOverlapsItselfAndCountsSkippedTicks(t *testing.T) {
	clock := newClock()
	r := newRig(t, alert.Config{Clock: clock})
	release := make(chan struct{})
	var running, most atomic.Int64
	stop, err := r.n.Check("slow", time.Second, func(ctx context.Context) error {
		if n := running.Add(1); n > most.Load() {
			most.Store(n)
		}
		defer running.Add(-1)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	require.NoError(t, err)
	t.Cleanup(stop)
	for range 3 {
		clock.Advance(time.Second)
	}
	assert.Equal(t, int64(3), r.checkStat("slow", "skipped"))
	close(release)
	r.waitRuns(t, "slow", 1)
	r.nextRun(t, clock, "slow", time.Second)
	r.waitRuns(t, "slow", 2)
	assert.Equal(t, int64(1), most.Load(), "one run at a time")
}

func TestCheckThatPanicsIsAFailingCheck(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: newClock()})
	stop, err := r.n.Check("explodes", time.Minute, func(context.Context) error { panic("nil catalogue") })
	require.NoError(t, err)
	t.Cleanup(stop)
	ev := sink.wait(t, 1)[0]
	assert.Equal(t, "check explodes failed", ev.Summary)
	assert.EqualError(t, ev.Err, "run check explodes: panic: nil catalogue")
	assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(ev.Err))
	assert.Contains(t, ev.Remedy, "it panicked")
	r.waitRuns(t, "explodes", 1)
	assert.Equal(t, int64(1), r.checkStat("explodes", "panics"))
	assert.Equal(t, int64(1), r.checkStat("explodes", "failed"))
}

func TestCheckThatBlocksForeverIsBoundedByItsTimeout(t *testing.T) {
	clock := newClock()
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: clock})
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) }) // after Close: the run outlives it
	stop, err := r.n.CheckWith(alert.CheckConfig{Name: "stuck", Every: time.Minute, Timeout: 20 * time.Millisecond,
		Run: func(context.Context) error { <-stuck; return nil }}) // ignores its ctx
	require.NoError(t, err)
	ev := sink.wait(t, 1)[0]
	assert.EqualError(t, ev.Err, "run check stuck: context deadline exceeded")
	assert.Contains(t, ev.Remedy, "within 20ms")
	assert.ErrorIs(t, ev.Err, context.DeadlineExceeded)
	assert.Equal(t, int64(1), r.checkStat("stuck", "timeouts"))

	clock.Advance(time.Minute)
	assert.Equal(t, int64(1), r.checkStat("stuck", "skipped"), "the stuck run is still going: no overlap")
	start := time.Now()
	stop()
	require.NoError(t, r.n.Close(context.Background()))
	assert.Less(t, time.Since(start), time.Second, "stop and Close do not wait for a run that ignores its ctx")
}

func TestCheckStopLetsTheRunFinishAndReportsIt(t *testing.T) {
	clock := newClock()
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: clock})
	started, release := make(chan struct{}, 10), make(chan struct{})
	stop, err := r.n.Check("graceful", time.Minute, func(ctx context.Context) error {
		started <- struct{}{}
		select {
		case <-release:
			return errors.New("broken")
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	require.NoError(t, err)
	<-started
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	// Once stop has halted the ticks, advancing the clock skips no more.
	require.Eventually(t, func() bool {
		before := r.checkStat("graceful", "skipped")
		clock.Advance(time.Minute)
		return r.checkStat("graceful", "skipped") == before
	}, waitFor, tick)
	close(release)
	<-stopped
	logtest.One(t, r.logs.Records(t), logtest.All(logtest.Msg("check graceful failed"), logtest.Field("error", "broken")),
		"the last run's outcome, reported before stop returns")
	assert.EqualError(t, sink.wait(t, 1)[0].Err, "broken")
	clock.Advance(time.Hour)
	assert.Empty(t, started, "no run after stop")
}

func TestCheckCloseCancelsTheRunAndTheTicks(t *testing.T) {
	clock := newClock()
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: clock})
	started := make(chan struct{}, 10)
	var cancelled atomic.Int64
	waitCtx := func(ctx context.Context) error {
		started <- struct{}{}
		<-ctx.Done()
		cancelled.Add(1)
		return ctx.Err()
	}
	for _, name := range []string{"a", "b"} {
		_, err := r.n.Check(name, time.Minute, waitCtx)
		require.NoError(t, err)
	}
	<-started
	<-started
	require.NoError(t, r.n.Close(context.Background()))
	assert.Equal(t, int64(2), cancelled.Load(), "Close cancels the runs and waits for them")
	clock.Advance(time.Hour)
	assert.Empty(t, started, "no run after Close")
	assert.Empty(t, sink.received(), "a cancelled run is no failure")
	assert.Zero(t, r.checkStat("a", "runs")+r.checkStat("b", "runs"))

	_, err := r.n.Check("c", time.Minute, waitCtx)
	require.NoError(t, err, "a check given to a closed Notifier is stopped at once")
	assert.Empty(t, started)
}

func TestCheckRefusesInvalidConfigNamingTheField(t *testing.T) {
	r := newRig(t, alert.Config{})
	ok := func(context.Context) error { return nil }
	for field, cfg := range map[string]alert.CheckConfig{
		"CheckConfig.Name":    {Name: "", Every: time.Second, Run: ok},
		"CheckConfig.Name ":   {Name: "a.b", Every: time.Second, Run: ok},
		"CheckConfig.Name  ":  {Name: "bidi\u202e", Every: time.Second, Run: ok},
		"CheckConfig.Name   ": {Name: strings.Repeat("x", 65), Every: time.Second, Run: ok},
		"CheckConfig.Every":   {Name: "x", Every: -time.Second, Run: ok},
		"CheckConfig.Every ":  {Name: "x", Every: time.Nanosecond, Run: ok},
		"CheckConfig.Run":     {Name: "x", Every: time.Second},
		"CheckConfig.Timeout": {Name: "x", Every: time.Second, Run: ok, Timeout: -1},
	} {
		stop, err := r.n.CheckWith(cfg)
		assert.Nil(t, stop, field)
		require.Error(t, err, field)
		assert.Contains(t, err.Error(), strings.TrimSpace(field))
		assert.NotContains(t, err.Error(), "\u202e", "the bad name is quoted")
		assert.Equal(t, errctx.Permanent, errctx.ClassOf(err), field)
		assert.NotEmpty(t, errctx.RemediesOf(err), field)
	}

	stop, err := r.n.Check("dup", time.Hour, ok)
	require.NoError(t, err)
	_, err = r.n.Check("dup", time.Hour, ok)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CheckConfig.Name is dup, the name of a running check")
	stop()
	again, err := r.n.Check("dup", time.Hour, ok)
	require.NoError(t, err, "a stopped check's name is free")
	stop() // a second stop of the first check does not free the name of the second
	_, err = r.n.Check("dup", time.Hour, ok)
	require.Error(t, err)
	again()

	// Stats names are lower case: Dup's would be dup's series.
	upper, err := r.n.Check("Dup", time.Hour, ok)
	require.NoError(t, err)
	_, err = r.n.Check("dUP", time.Hour, ok)
	require.Error(t, err, "a name that differs only in case shares its stats")
	assert.Contains(t, err.Error(), "CheckConfig.Name is dUP, the name of a running check")
	upper()
}

func TestCheckErrorsOfEveryKindFireOnceAndStayFiring(t *testing.T) {
	clock := newClock()
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: clock})
	var i atomic.Int64
	stop, err := r.n.Check("flaky", time.Second, func(context.Context) error {
		return errors.New("failure " + strings.Repeat("!", int(i.Add(1))))
	})
	require.NoError(t, err)
	t.Cleanup(stop)
	for n := int64(1); n <= 5; n++ {
		r.waitRuns(t, "flaky", n)
		r.nextRun(t, clock, "flaky", time.Second)
	}
	r.waitRuns(t, "flaky", 6)
	evs := sink.received()
	require.Len(t, evs, 1, "one alert for a check that keeps failing, whatever its errors say")
	assert.EqualError(t, evs[0].Err, "failure !")
	assert.Equal(t, int64(6), r.checkStat("flaky", "failed"))
}

func TestChecksAndWatchesStartAndStopWhileTheNotifierCloses(t *testing.T) {
	r := newRig(t, alert.Config{})
	var wg sync.WaitGroup
	var once sync.Once
	started := make(chan struct{})
	for g := range 8 {
		b := newBreaker(t, "b"+strconv.Itoa(g), nil)
		wg.Go(func() {
			for i := range 50 {
				name := "c" + strconv.Itoa(g) + "-" + strconv.Itoa(i%3)
				if stop, err := r.n.Check(name, time.Millisecond, func(context.Context) error { return errors.New("no") }); err == nil {
					stop()
				}
				if stop, err := r.n.WatchBreaker(b); err == nil {
					b.ForceOpen("flap")
					stop()
					b.Reset()
				}
				once.Do(func() { close(started) })
			}
		})
	}
	<-started // some checks and watches came and went before Close
	require.NoError(t, r.n.Close(context.Background()))
	wg.Wait() // and every start and stop after Close returns
}
