package alert_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/reqid"
)

var (
	errDisk   = errors.New("disk full")
	errCharge = errctx.New("charge card", errctx.Remedy("check payments"))
)

// crash panics with v from one site, so that its fingerprint is the same
// whatever v says.
//
//go:noinline
func crash(v any) { panic(v) }

// guarded runs f under Recover(then) and returns what a recover further up
// saw.
func guarded(n *alert.Notifier, ctx context.Context, then alert.AfterPanic, f func()) (repanicked any) {
	defer func() { repanicked = recover() }()
	func() {
		defer n.Recover(ctx, then)
		f()
	}()
	return nil
}

func TestRecoverAlertsOnEveryKindOfPanicAndRepanicsTheSameValue(t *testing.T) {
	var nilMap map[string]int
	var nilPtr *struct{ n int }
	for name, tc := range map[string]struct {
		f    func()
		kind string
	}{
		"string":        {func() { crash("boom") }, "string"},
		"error":         {func() { crash(errDisk) }, "*errors.errorString"},
		"errctx":        {func() { crash(errCharge) }, "*errctx.Error"},
		"nil map write": {func() { nilMap["x"] = 1 }, "runtime."},
		"nil pointer":   {func() { _ = nilPtr.n }, "runtime."},
		"panic(nil)":    {func() { crash(nil) }, "*runtime.PanicNilError"},
		"int":           {func() { crash(42) }, "int"},
	} {
		t.Run(name, func(t *testing.T) {
			sink := newFake("s", nil)
			r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
			ctx := reqid.With(context.Background(), "req-7")
			var want any
			func() {
				defer func() { want = recover() }()
				tc.f()
			}()
			require.NotNil(t, want)

			got := guarded(r.n, ctx, alert.Repanic, tc.f)
			assert.Equal(t, fmt.Sprintf("%T %v", want, want), fmt.Sprintf("%T %v", got, got), "the same value panicked again")

			ev := sink.wait(t, 1)[0]
			assert.Equal(t, alert.Page, ev.Severity, "a panic that goes on up may end the process")
			assert.Equal(t, "req-7", ev.RequestID)
			assert.True(t, strings.HasPrefix(ev.Summary, "panic in "), ev.Summary)
			fields := attrs(ev.Fields)
			assert.True(t, strings.HasPrefix(fields["panic"].(string), tc.kind), "the value's type %v", fields["panic"])
			assert.Contains(t, fields["panic_site"], "alert_test.", "the site is the function that panicked")
			stack, _ := fields["stack"].([]string)
			assert.NotEmpty(t, stack)
			assert.LessOrEqual(t, len(stack), alert.MaxStack)
			assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(ev.Err))
			if err, ok := want.(error); ok {
				assert.ErrorIs(t, ev.Err, err, "Err wraps an error value")
			}
		})
	}
}

func TestRecoverReturnContainsThePanic(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	assert.Nil(t, guarded(r.n, context.Background(), alert.Return, func() { crash(errDisk) }))
	ev := sink.wait(t, 1)[0]
	assert.Equal(t, alert.Ticket, ev.Severity, "a contained panic is a ticket")
	assert.ErrorIs(t, ev.Err, errDisk)
	assert.Contains(t, ev.Err.Error(), "panic: disk full")
}

// job fails with the error RecoverError makes of its panic.
func job(n *alert.Notifier, v any) (err error) {
	defer n.RecoverError(context.Background(), &err)
	crash(v)
	return nil
}

func TestRecoverErrorReturnsThePanicAsAnIndeterminateError(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	err := job(r.n, errDisk)
	require.Error(t, err)
	assert.ErrorIs(t, err, errDisk)
	assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err), "the job stopped half way")
	assert.Contains(t, err.Error(), "panic: disk full")
	assert.NotEmpty(t, errctx.RemediesOf(err))
	ev := sink.wait(t, 1)[0]
	assert.Equal(t, alert.Ticket, ev.Severity)

	func() {
		defer r.n.RecoverError(context.Background(), nil) // nil: alert only
		crash("no error to set")
	}()
	sink.wait(t, 2)
}

func TestRecoverIgnoresGoexitAndNormalReturns(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer r.n.Recover(context.Background(), alert.Repanic)
		runtime.Goexit()
	}()
	<-done
	assert.Nil(t, guarded(r.n, context.Background(), alert.Repanic, func() {}))
	var err error
	func() {
		defer r.n.RecoverError(context.Background(), &err)
	}()
	assert.NoError(t, err)
	r.n.Notify(context.Background(), alert.Alert{Summary: "marker"})
	evs := sink.wait(t, 1)
	assert.Equal(t, "marker", evs[0].Summary, "no alert before the marker")
}

func TestPanicFingerprintIsStableAcrossValuesAndDistinctAcrossSites(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, RateLimit: -1})
	for i := range 3 {
		_ = job(r.n, fmt.Sprintf("order %d at 10:0%d", i, i)) // volatile text, one site
	}
	guarded(r.n, context.Background(), alert.Return, func() { panic("elsewhere") })
	evs := sink.wait(t, 2)
	assert.NotEqual(t, evs[0].Fingerprint, evs[1].Fingerprint, "another site, another fingerprint")
	assert.Contains(t, evs[1].Err.Error(), "elsewhere")
	_, _, _, suppressed := r.counts("s")
	assert.Equal(t, int64(2), suppressed, "the repeats of the first site are one throttled alert")
}

func TestPanicAlertEscapesHostileValues(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	hostile := "evil\x1b[31m\u0085\u202e\u2066" + strings.Repeat("x", 1<<20)
	guarded(r.n, context.Background(), alert.Return, func() { crash(hostile) })
	ev := sink.wait(t, 1)[0]
	for _, text := range []string{ev.Summary, ev.Err.Error()} {
		assert.Less(t, len(text), 2048, "bounded")
		for _, bad := range []string{"\x1b", "\u0085", "\u202e", "\u2066"} {
			assert.NotContains(t, text, bad)
		}
	}
	assert.Contains(t, ev.Err.Error(), `panic: "evil\x1b[31m\u0085\u202e\u2066xxx`, "escaped, not dropped")
}

func TestRecoverFromManyGoroutinesIsOneThrottledAlert(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, RateLimit: -1})
	const goroutines, each = 8, 100
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for i := range each {
				_ = job(r.n, i) // one site, values that differ
			}
		})
	}
	wg.Wait()
	require.Eventually(t, func() bool {
		sent, _, _, suppressed := r.counts("s")
		return sent+suppressed == goroutines*each
	}, waitFor, tick, "every panic is counted once")
	sent, _, _, _ := r.counts("s")
	assert.Equal(t, int64(3), sent, "the 1st, 10th and 100th occurrences")
	for _, ev := range sink.received() {
		assert.Equal(t, sink.received()[0].Fingerprint, ev.Fingerprint)
	}
}

func TestPanickedBoundsAndEscapesHostileRequestText(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	route := "GET /x\u202e\x85\n" + strings.Repeat("y", 1<<16)
	r.n.Panicked(context.Background(), alert.PanicInfo{Value: -0.0, Method: "GET\x1b", Route: route, RequestID: "r\n1"})
	ev := sink.wait(t, 1)[0]
	fields := attrs(ev.Fields)
	for _, text := range []string{ev.Summary, fields["method"].(string), fields["route"].(string)} {
		assert.Less(t, len(text), 2048)
		for _, bad := range []string{"\x1b", "\x85", "\u202e", "\n"} {
			assert.NotContains(t, text, bad)
		}
	}
	assert.NotEqual(t, "r\n1", ev.RequestID, "an invalid request ID is not carried raw")
}

func BenchmarkRecoverWithoutPanic(b *testing.B) {
	n, err := alert.New(alert.Config{Logger: quiet})
	require.NoError(b, err)
	b.Cleanup(func() { _ = n.Close(context.Background()) })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		func() {
			defer n.Recover(ctx, alert.Return)
		}()
	}
}

// BenchmarkRecoverRepeatedPanic is the cost of a panic that the throttle
// suppresses: a worker's job that keeps panicking.
func BenchmarkRecoverRepeatedPanic(b *testing.B) {
	n, err := alert.New(alert.Config{Logger: quiet})
	require.NoError(b, err)
	b.Cleanup(func() { _ = n.Close(context.Background()) })
	b.ReportAllocs()
	for b.Loop() {
		_ = job(n, errDisk)
	}
}

func TestRecoverWithAnUnknownAfterPanicRepanics(t *testing.T) {
	r := newRig(t, alert.Config{})
	assert.Equal(t, "boom", guarded(r.n, context.Background(), alert.AfterPanic(7), func() { crash("boom") }))
}
