package alert_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
)

// funcSink is a sink made of a function, for sinks that misbehave.
type funcSink struct {
	name string
	send func(ctx context.Context, ev alert.Event) error
}

func (s funcSink) Name() string                                   { return s.name }
func (s funcSink) Send(ctx context.Context, ev alert.Event) error { return s.send(ctx, ev) }

func TestMisbehavingSinksDelayNeitherCallersNorOtherSinks(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	healthy := newFake("healthy", nil)
	sinks := []alert.Sink{
		funcSink{"panics", func(context.Context, alert.Event) error { panic("boom") }},
		funcSink{"blocks", func(context.Context, alert.Event) error { <-release; return nil }},
		funcSink{"fails", func(context.Context, alert.Event) error { return errors.New("refused") }},
		healthy,
	}
	r := newRig(t, alert.Config{Sinks: sinks, Timeout: 50 * time.Millisecond, RateLimit: -1})
	start := time.Now()
	const alerts = 50
	for i := range alerts {
		r.n.Notify(context.Background(), alert.Alert{Summary: "problem " + strings.Repeat("x", i)})
	}
	assert.Less(t, time.Since(start), time.Second, "callers never wait for a sink")
	healthy.wait(t, alerts)

	require.Eventually(t, func() bool {
		for _, s := range sinks {
			sent, failed, dropped, suppressed := r.counts(s.Name())
			if sent+failed+dropped+suppressed != alerts {
				return false
			}
		}
		return true
	}, 20*time.Second, 5*time.Millisecond, "every alert is counted once per sink")
	sent, failed, _, _ := r.counts("panics")
	assert.Zero(t, sent)
	assert.Positive(t, failed, "a panic is a failed send")
	sent, _, dropped, _ := r.counts("blocks")
	assert.Zero(t, sent)
	assert.Positive(t, dropped, "a stuck sink is not called again until it returns: its events are dropped")
	sent, _, _, _ = r.counts("healthy")
	assert.Equal(t, int64(alerts), sent)
	logtest.One(t, r.logs.Records(t), logtest.All(logtest.Msg("alert sink failing: alerts it misses stay in the log with alert=true"),
		logtest.Field("sink", "fails")), "one record when a sink starts failing")
}

func TestThrottledSinkIsNotCalledUntilRetryAfterThenSaysWhatItMissed(t *testing.T) {
	clock := newClock()
	throttled := true
	calls := 0
	sink := newFake("smtp", func(alert.Event) error {
		calls++
		if throttled {
			return errctx.New("send mail: 421 too many messages", errctx.WithClass(errctx.Transient), errctx.RetryAfter(time.Minute))
		}
		return nil
	})
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: clock, RateLimit: -1})
	notify := func(summary string) { r.n.Notify(context.Background(), alert.Alert{Summary: summary}) }

	notify("a")
	sink.wait(t, 1)
	for _, s := range []string{"b", "c", "d"} {
		notify(s)
	}
	require.Eventually(t, func() bool { _, _, dropped, _ := r.counts("smtp"); return dropped == 3 },
		5*time.Second, time.Millisecond, "alerts during the Retry-After are dropped without calling the sink")
	assert.Len(t, sink.received(), 1)

	throttled = false // the sink goroutine reads it only after the next Notify below
	clock.Advance(time.Minute)
	notify("e")
	evs := sink.wait(t, 3)
	assert.Equal(t, "e", evs[1].Summary)
	assert.Contains(t, evs[2].Summary, "missed 4 alerts")
	assert.Contains(t, evs[2].Summary, "in the log with alert=true")
	sent, failed, dropped, _ := r.counts("smtp")
	assert.Equal(t, [3]int64{1, 1, 3}, [3]int64{sent, failed, dropped})
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		logtest.One(t, r.logs.Records(t), logtest.Msg(s), "every alert is on record, delivered or not")
	}
}

// A Retry-After far in the future (a broken or hostile server's) holds the
// sink's breaker open no longer than MaxRetryAfter: alerts resume after it.
func TestRetryAfterIsHeldToMaxRetryAfter(t *testing.T) {
	clock := newClock()
	var calls atomic.Int64
	sink := newFake("hook", func(alert.Event) error {
		if calls.Add(1) == 1 {
			return errctx.New("POST hook: 429", errctx.WithClass(errctx.Transient), errctx.RetryAfter(100000*time.Hour))
		}
		return nil
	})
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: clock, RateLimit: -1})
	r.n.Notify(context.Background(), alert.Alert{Summary: "a"})
	r.n.Notify(context.Background(), alert.Alert{Summary: "held"})
	// The sink's goroutine drops "held" after it has acted on a's failure.
	require.Eventually(t, func() bool { _, _, dropped, _ := r.counts("hook"); return dropped == 1 }, 5*time.Second, time.Millisecond)
	clock.Advance(alert.MaxRetryAfter)
	r.n.Notify(context.Background(), alert.Alert{Summary: "b"})
	evs := sink.wait(t, 2)
	assert.Equal(t, "b", evs[1].Summary, "delivered once MaxRetryAfter passed")
}

// A sink whose error panics when read (its Error method) does not crash
// the sink's goroutine: the failure is counted and later alerts still go.
func TestSinkErrorThatPanicsDoesNotStopTheSink(t *testing.T) {
	var calls atomic.Int64
	sink := funcSink{"s", func(context.Context, alert.Event) error {
		if calls.Add(1) == 1 {
			return panicError{}
		}
		return nil
	}}
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, RateLimit: -1})
	r.n.Notify(context.Background(), alert.Alert{Summary: "a"})
	r.n.Notify(context.Background(), alert.Alert{Summary: "b"})
	require.Eventually(t, func() bool {
		sent, failed, _, _ := r.counts("s")
		return sent == 1 && failed == 1
	}, 5*time.Second, time.Millisecond)
}
