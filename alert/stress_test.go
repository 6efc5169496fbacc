package alert_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
)

// TestCountsReconcileUnderConcurrentLoad hammers a Notifier from many
// goroutines at GOMAXPROCS 8 with sinks that succeed, fail, throttle and
// stall, and checks that every sink accounts for every alert exactly once:
// notified = sent + failed + dropped + suppressed.
func TestCountsReconcileUnderConcurrentLoad(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	var flip atomic.Int64
	sinks := []alert.Sink{
		newFake("ok", nil),
		newFake("fails", func(alert.Event) error {
			if flip.Add(1)%2 == 0 {
				return errors.New("refused")
			}
			return nil
		}),
		newFake("throttled", func(alert.Event) error {
			return errctx.New("send", errctx.WithClass(errctx.Transient), errctx.RetryAfter(time.Millisecond))
		}),
		funcSink{"slow", func(ctx context.Context, _ alert.Event) error {
			<-ctx.Done()
			return ctx.Err()
		}},
	}
	r := newRig(t, alert.Config{Sinks: sinks, Timeout: time.Millisecond, QueueSize: 16, RateLimit: 5000, Burst: 50})
	var notified atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(time.Second)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline) && i < 200_000; i++ {
				r.n.Notify(context.Background(), alert.Alert{Summary: "failure " + strconv.Itoa(g*7+i%13)})
				notified.Add(1)
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.n.Close(ctx)
	total := notified.Load()
	assert.Equal(t, total, r.rec.NewCounter("alert.notified").Value())
	for _, s := range sinks {
		sent, failed, dropped, suppressed := r.counts(s.Name())
		assert.Equal(t, total, sent+failed+dropped+suppressed,
			"%s: sent %d failed %d dropped %d suppressed %d", s.Name(), sent, failed, dropped, suppressed)
	}
}

// TestCountsReconcileExactlyWithDigestsAndClose: at GOMAXPROCS 8, with
// sinks that deliver, fail and block (so that their queue fills), and a
// window short enough for many digests, every sink accounts for every
// occurrence raised through Notify, Error, Fire and Resolve, and for every
// digest, exactly once, including what is raised after Close:
// notified + digests = sent + failed + dropped + suppressed.
func TestCountsReconcileExactlyWithDigestsAndClose(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	release := make(chan struct{})
	sinks := []alert.Sink{
		newFake("ok", nil),
		newFake("fails", func(alert.Event) error { return errors.New("refused") }),
		funcSink{"full", func(ctx context.Context, _ alert.Event) error {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		}},
	}
	r := newRig(t, alert.Config{Sinks: sinks, QueueSize: 4, Window: 5 * time.Millisecond, RateLimit: -1})
	var wg sync.WaitGroup
	// At least 300 ms of load, and on until every sink has had a digest
	// (a starved sweep may take longer on a loaded machine), for 30 s at most.
	deadline, giveUp := time.Now().Add(300*time.Millisecond), time.Now().Add(30*time.Second)
	digested := func() bool {
		for _, s := range sinks {
			if r.rec.NewCounter("alert."+s.Name()+".digests").Value() == 0 {
				return false
			}
		}
		return true
	}
	going := func() bool {
		now := time.Now()
		return now.Before(deadline) || now.Before(giveUp) && !digested()
	}
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; going(); i++ {
				switch i % 4 {
				case 0, 1:
					r.n.Notify(ctx, alert.Alert{Summary: "failure " + strconv.Itoa(i%5)})
				case 2:
					r.n.Error(ctx, errctx.New("process job "+strconv.Itoa(g%3)))
				case 3:
					fp := r.n.Fire(ctx, alert.Alert{Summary: "condition " + strconv.Itoa(g%2), Fingerprint: "cond-" + strconv.Itoa(g%2)})
					if i%8 == 7 {
						r.n.Resolve(ctx, fp)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, r.n.Close(ctx))
	r.n.Notify(context.Background(), alert.Alert{Summary: "after close"})
	r.n.Error(context.Background(), errors.New("after close"))
	r.n.Fire(context.Background(), alert.Alert{Summary: "after close", Fingerprint: "late"})

	notified := r.rec.NewCounter("alert.notified").Value()
	for _, s := range sinks {
		sent, failed, dropped, suppressed := r.counts(s.Name())
		digests := r.rec.NewCounter("alert." + s.Name() + ".digests").Value()
		assert.Positive(t, digests, s.Name())
		assert.Positive(t, suppressed, s.Name())
		assert.Equal(t, notified+digests, sent+failed+dropped+suppressed,
			"%s: notified %d digests %d: sent %d failed %d dropped %d suppressed %d",
			s.Name(), notified, digests, sent, failed, dropped, suppressed)
	}
	_, failed, _, _ := r.counts("fails")
	assert.Positive(t, failed)
	_, _, dropped, _ := r.counts("full")
	assert.Positive(t, dropped, "the blocked sink's queue filled")
}

// panicError is an error whose Error method panics: user code on the
// caller's path.
type panicError struct{}

func (panicError) Error() string { panic("Error() bug") }

// An alert lost to a panic in the caller's own error is still accounted
// for, as dropped by every sink, so the sums reconcile.
func TestAlertLostToAPanickingErrorIsCountedAsDropped(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	for range 3 {
		r.n.Error(context.Background(), panicError{})
	}
	r.n.Fire(context.Background(), alert.Alert{Summary: "x", Err: panicError{}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, r.n.Close(ctx))
	notified := r.rec.NewCounter("alert.notified").Value()
	sent, failed, dropped, suppressed := r.counts("s")
	assert.Equal(t, int64(4), notified)
	assert.Equal(t, notified, sent+failed+dropped+suppressed, "sent %d failed %d dropped %d suppressed %d", sent, failed, dropped, suppressed)
	assert.Equal(t, int64(4), dropped)
	assert.NotEmpty(t, r.logs.Find(t, logtest.Msg("alert: raising an alert panicked")))
}

// flakyError's Error method panics once broken is set: user code that
// works when the alert is raised and fails when its digest is logged.
type flakyError struct{ broken *atomic.Bool }

func (e flakyError) Error() string {
	if e.broken.Load() {
		panic("Error() bug")
	}
	return "flaky"
}

// A digest whose alert's error panics when it is logged does not crash
// the sweep, and is counted as dropped, so the sums still reconcile.
func TestDigestOfAPanickingErrorIsCountedAsDropped(t *testing.T) {
	clock := newClock()
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: clock, Window: time.Minute, RateLimit: -1})
	var broken atomic.Bool
	for range 3 {
		raise(r.n, flakyError{&broken})
	}
	sink.wait(t, 1)
	broken.Store(true)
	clock.Advance(time.Minute) // the sweep sends the digest of the 2nd and 3rd
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, r.n.Close(ctx))
	notified := r.rec.NewCounter("alert.notified").Value()
	digests := r.rec.NewCounter("alert.s.digests").Value()
	sent, failed, dropped, suppressed := r.counts("s")
	assert.Equal(t, int64(1), digests)
	assert.Equal(t, int64(1), dropped, "the digest lost to the panic")
	assert.Equal(t, notified+digests, sent+failed+dropped+suppressed)
}
