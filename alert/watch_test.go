package alert_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

var errRefused = errors.New("connection refused")

// newBreaker returns a breaker that opens at the first failure, for one
// second of clock.
func newBreaker(t *testing.T, name string, clock breaker.Clock) *breaker.Breaker {
	t.Helper()
	b, err := breaker.New(breaker.Config{Name: name, Critical: true, ConsecutiveFailures: 1, OpenDuration: time.Second,
		Logger: quiet, Stats: stats.Discard, Clock: clock})
	require.NoError(t, err)
	return b
}

// statuses lists the statuses of evs, in order.
func statuses(evs []alert.Event) []alert.Status {
	out := make([]alert.Status, len(evs))
	for i, ev := range evs {
		out[i] = ev.Status
	}
	return out
}

func TestWatchBreakerPagesWhenItOpensAndResolvesWhenItCloses(t *testing.T) {
	clock := newClock()
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	b := newBreaker(t, "payments", clock)
	stop, err := r.n.WatchBreaker(b)
	require.NoError(t, err)
	t.Cleanup(stop)

	fail := func(context.Context) error {
		return errctx.Wrap(errRefused, "charge card", errctx.Remedy("restart payments"))
	}
	_ = b.Run(reqid.With(context.Background(), "req-open"), fail)
	ev := sink.wait(t, 1)[0]
	assert.Equal(t, alert.Firing, ev.Status)
	assert.True(t, ev.Ongoing, "kept firing until the breaker closes")
	assert.Equal(t, alert.Page, ev.Severity)
	assert.Equal(t, "payments breaker open", ev.Summary)
	assert.Equal(t, "breaker:payments", ev.Fingerprint)
	assert.Equal(t, "req-open", ev.RequestID, "the call that opened it")
	assert.ErrorIs(t, ev.Err, errRefused)
	assert.Contains(t, ev.Remedy, "fail fast while the breaker is open")
	fields := attrs(ev.Fields)
	assert.Equal(t, "payments", fields["breaker"])
	assert.Equal(t, "open", fields["state"])
	assert.Equal(t, "1 failure in a row", fields["reason"])

	// Half-open, a failed probe, open again: still the one alert.
	clock.Advance(time.Second)
	_ = b.Run(context.Background(), fail)
	require.Equal(t, breaker.Open, b.State())
	clock.Advance(time.Second)
	require.NoError(t, b.Run(context.Background(), func(context.Context) error { return nil }))
	evs := sink.wait(t, 2)
	assert.Equal(t, []alert.Status{alert.Firing, alert.Resolved}, statuses(evs))
	assert.Equal(t, "breaker:payments", evs[1].Fingerprint)
	assert.Equal(t, breaker.Closed, b.State())
}

func TestWatchBreakerFiresForForcedOpenAndResolvesOnDisable(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	b := newBreaker(t, "ledger", nil)
	stop, err := r.n.WatchBreaker(b)
	require.NoError(t, err)
	t.Cleanup(stop)

	b.ForceOpen("maintenance")
	ev := sink.wait(t, 1)[0]
	assert.Equal(t, "forced_open", attrs(ev.Fields)["state"])
	assert.Equal(t, "forced open: maintenance", attrs(ev.Fields)["reason"])
	assert.Contains(t, ev.Remedy, "rejected until the breaker is reset")
	b.Disable() // calls pass again
	assert.Equal(t, []alert.Status{alert.Firing, alert.Resolved}, statuses(sink.wait(t, 2)))
}

func TestWatchBreakerFiresAtOnceForABreakerLatchedInAnEarlierRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "payments.latch")
	earlier := newBreaker(t, "payments", nil)
	latch, err := breaker.NewLatch(earlier, path)
	require.NoError(t, err)
	require.NoError(t, latch.Trip("charged twice", errRefused))
	latch.Close()

	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	b := newBreaker(t, "payments", nil)
	latch, err = breaker.NewLatch(b, path)
	require.NoError(t, err)
	t.Cleanup(latch.Close)
	require.Equal(t, breaker.ForcedOpen, b.State())

	stop, err := r.n.WatchBreaker(b)
	require.NoError(t, err)
	ev := sink.wait(t, 1)[0]
	assert.Equal(t, alert.Firing, ev.Status)
	assert.Equal(t, "forced_open", attrs(ev.Fields)["state"])

	require.NoError(t, latch.Reset())
	assert.Equal(t, []alert.Status{alert.Firing, alert.Resolved}, statuses(sink.wait(t, 2)))
	stop()
}

func TestWatchBreakerStopResolvesAndUnsubscribes(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	b := newBreaker(t, "payments", nil)
	stop, err := r.n.WatchBreaker(b)
	require.NoError(t, err)
	b.ForceOpen("test")
	sink.wait(t, 1)
	stop()
	stop() // twice is harmless
	evs := sink.wait(t, 2)
	assert.Equal(t, alert.Resolved, evs[1].Status, "nothing would resolve it after stop")

	b.Reset()
	b.ForceOpen("again")
	// A watch started after is the only one that sees it: the stopped one
	// is gone, so its name is free again.
	stop, err = r.n.WatchBreaker(b)
	require.NoError(t, err)
	t.Cleanup(stop)
	evs = sink.wait(t, 3)
	assert.Equal(t, alert.Firing, evs[2].Status)
	time.Sleep(20 * time.Millisecond) // time for a stray delivery to the stopped watch to show
	assert.Len(t, sink.received(), 3)
}

func TestWatchBreakerStopsAtClose(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	b := newBreaker(t, "payments", nil)
	_, err := r.n.WatchBreaker(b)
	require.NoError(t, err)
	require.NoError(t, r.n.Close(context.Background()))
	b.ForceOpen("after close")
	b.Reset()
	assert.Empty(t, sink.received())
	assert.NotContains(t, r.logs.String(), "breaker open", "nothing raised after Close")

	stop, err := r.n.WatchBreaker(b)
	require.NoError(t, err, "watching with a closed Notifier is allowed and does nothing")
	stop()
}

func TestWatchBreakerRefusesNilAndTwiceTheSameName(t *testing.T) {
	r := newRig(t, alert.Config{})
	_, err := r.n.WatchBreaker(nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "breaker is nil")
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))

	stop, err := r.n.WatchBreaker(newBreaker(t, "payments", nil))
	require.NoError(t, err)
	t.Cleanup(stop)
	_, err = r.n.WatchBreaker(newBreaker(t, "payments", nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "watches already")
	assert.NotEmpty(t, errctx.RemediesOf(err))
}

func TestWatchBreakerUnderConcurrentTransitionsEndsInTheBreakersState(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, RateLimit: -1, QueueSize: 4096})
	b := newBreaker(t, "payments", nil)
	stop, err := r.n.WatchBreaker(b)
	require.NoError(t, err)
	t.Cleanup(stop)

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if (g+i)%2 == 0 {
					b.ForceOpen("flap")
				} else {
					b.Reset()
				}
			}
		})
	}
	wg.Wait()
	b.Reset()
	require.Eventually(t, func() bool {
		evs := sink.received()
		return len(evs) > 0 && evs[len(evs)-1].Status == alert.Resolved
	}, waitFor, tick, "the last word is the breaker's: closed")
	evs := sink.received()
	for i, ev := range evs {
		want := alert.Firing
		if i%2 == 1 {
			want = alert.Resolved
		}
		require.Equal(t, want, ev.Status, "event %d of %d: firing and resolved alternate", i, len(evs))
	}
}
