//go:build linux

package alert_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
)

// callerLimit is the longest a caller of Notify, Error, Fire or Resolve may
// wait, unless the process itself was waiting for a CPU.
const callerLimit = time.Millisecond

// TestCallersNeverWait times every kind of call a caller makes (a repeat,
// a new fingerprint that is logged and queued, an error, a Fire, a
// Resolve) against sinks that block forever, panic, fail and are slow,
// with queues that fill. A call slower than callerLimit fails the test
// unless the kernel took the CPU away from the caller's thread during it
// (an involuntary context switch, which the thread's rusage counts) and
// the call did not block (a voluntary switch, since the goroutine is
// locked to its thread): that is the machine's load, not a wait of the
// code. One such call in a thousand is allowed. The garbage collector is
// off while timing, as its pauses stop every goroutine whatever the code
// does.
func TestCallersNeverWait(t *testing.T) {
	gc := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(gc)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // after the rig's Close, registered below
	sinks := []alert.Sink{
		funcSink{"blocks", func(context.Context, alert.Event) error { <-release; return nil }},
		funcSink{"panics", func(context.Context, alert.Event) error { panic("sink bug") }},
		funcSink{"fails", func(context.Context, alert.Event) error { return errors.New("refused") }},
		funcSink{"slow", func(ctx context.Context, _ alert.Event) error {
			select {
			case <-time.After(2 * time.Millisecond):
			case <-ctx.Done():
			}
			return nil
		}},
	}
	r := newRig(t, alert.Config{Sinks: sinks, QueueSize: 8, Timeout: 10 * time.Millisecond, RateLimit: -1,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	ctx := context.Background()
	errs := make([]error, 16)
	for i := range errs {
		errs[i] = errctx.New("process job " + strconv.Itoa(i))
	}
	summaries := make([]string, 500)
	for i := range summaries {
		summaries[i] = "failure " + strconv.Itoa(i)
	}
	calls := []func(i int){
		func(int) { r.n.Notify(ctx, alert.Alert{Summary: "repeated"}) },
		func(i int) { r.n.Notify(ctx, alert.Alert{Summary: summaries[i%len(summaries)]}) },
		func(i int) { r.n.Error(ctx, errs[i%len(errs)]) },
		func(i int) {
			r.n.Fire(ctx, alert.Alert{Summary: "condition", Fingerprint: "cond-" + strconv.Itoa(i%4)})
		},
		func(i int) { r.n.Resolve(ctx, "cond-"+strconv.Itoa((i+1)%4)) },
	}
	const rounds = 4000
	var all []time.Duration
	slow, descheduled := 0, 0
	var before, after syscall.Rusage
	for i := range rounds {
		for _, call := range calls {
			// A goroutine that runs 10 ms without yielding is preempted
			// by the Go scheduler, which parks a locked thread: yielding
			// here keeps that out of the timed calls.
			runtime.Gosched()
			require.NoError(t, syscall.Getrusage(rusageThread, &before))
			start := time.Now()
			call(i)
			d := time.Since(start)
			require.NoError(t, syscall.Getrusage(rusageThread, &after))
			all = append(all, d)
			switch {
			case d <= callerLimit:
			case after.Nivcsw > before.Nivcsw && after.Nvcsw == before.Nvcsw:
				descheduled++
			default:
				if slow++; slow <= 10 {
					t.Logf("call %d took %v with %d voluntary switches", len(all), d, after.Nvcsw-before.Nvcsw)
				}
			}
		}
	}
	slices.Sort(all)
	q := func(p float64) time.Duration { return all[int(p*float64(len(all)-1))] }
	t.Logf("%d calls: median %v, p99 %v, p99.9 %v, slowest %v; over %v: %d descheduled by the kernel, %d not",
		len(all), q(0.5), q(0.99), q(0.999), q(1), callerLimit, descheduled, slow)
	assert.LessOrEqual(t, slow, len(all)/1000, "calls slower than %v while the caller had its CPU", callerLimit)
	_, _, dropped, _ := r.counts("blocks")
	assert.Positive(t, dropped, "the blocked sink's queue filled and its events were dropped, not waited for")
}

// rusageThread is Linux's RUSAGE_THREAD: the calling thread's usage.
const rusageThread = 1
