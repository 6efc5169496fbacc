package log_test

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vitals-go/vitals/internal/logtest"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

// floodLogger returns a logger whose records go through a FloodHandler
// into logs, as New writes them.
func floodLogger(logs *logtest.Buffer, opts vlog.FloodOptions) (*slog.Logger, *vlog.FloodHandler) {
	f := vlog.NewFloodHandler(newLogger(logs).Handler(), opts)
	return slog.New(f), f
}

// TestFloodCollapsesRepeats logs one ERROR ten times from one call site:
// the burst passes, the rest are summarised at the key's level with their
// count, span and last request ID.
func TestFloodCollapsesRepeats(t *testing.T) {
	defer goleak.VerifyNone(t)
	var logs logtest.Buffer
	l, f := floodLogger(&logs, vlog.FloodOptions{Window: time.Hour, Burst: 3})
	start := time.Now()
	for i := range 10 {
		ctx := reqid.With(context.Background(), "rid-"+string(rune('a'+i)))
		l.ErrorContext(ctx, "db down", "i", i)
	}
	for range 5 {
		l.Info("below the flood level") // every one passes
	}
	assert.Equal(t, uint64(7), f.Suppressed())
	require.Len(t, logs.Records(t), 8, "3 of the key and 5 INFO; the summary waits for the window")

	require.NoError(t, f.Close())
	recs := logs.Records(t)
	require.Len(t, recs, 9)
	for i, r := range recs[:3] {
		assert.Equal(t, float64(i), r.Num("i"))
	}
	sum := recs[8]
	assert.Equal(t, "ERROR", sum.Str("level"))
	assert.Equal(t, vlog.FloodSummaryMsg, sum.Str("msg"))
	assert.Equal(t, "db down", sum.Str(vlog.KeySuppressedMsg))
	assert.Equal(t, 7.0, sum.Num(vlog.KeySuppressed))
	assert.Equal(t, "rid-j", sum.Str(vlog.KeyLastRequestID))
	first, err := time.Parse(time.RFC3339Nano, sum.Str(vlog.KeySuppressedFirst))
	require.NoError(t, err)
	last, err := time.Parse(time.RFC3339Nano, sum.Str(vlog.KeySuppressedLast))
	require.NoError(t, err)
	assert.False(t, first.Before(start.Truncate(time.Millisecond)))
	assert.False(t, last.Before(first))
	assert.Contains(t, sum, "process", "the summary goes through the inner handler")

	l.Error("db down")
	assert.Len(t, logs.Records(t), 10, "after Close every record passes")
}

// TestFloodSummaryByTimer suppresses records and logs nothing more: the
// summary still comes once the window is over.
func TestFloodSummaryByTimer(t *testing.T) {
	defer goleak.VerifyNone(t)
	var logs logtest.Buffer
	_, f := floodLogger(&logs, vlog.FloodOptions{Window: 300 * time.Millisecond, Burst: 1})
	now := time.Now() // one time for all: in one window however slow the machine
	for range 4 {
		require.NoError(t, f.Handle(context.Background(), slog.NewRecord(now, slog.LevelWarn, "retrying", 0)))
	}
	sum := logs.Wait(t, logtest.Field(vlog.KeySuppressed, 3.0), 1)
	assert.Equal(t, "WARN", sum[0].Str("level"))
	require.NoError(t, f.Close())
	assert.Len(t, logs.Records(t), 2, "one passed, one summary")
}

// TestFloodSummaryAtNextWindow logs records with set times: the first
// record of a new window writes the last window's summary before itself.
func TestFloodSummaryAtNextWindow(t *testing.T) {
	var logs logtest.Buffer
	f := vlog.NewFloodHandler(newLogger(&logs).Handler(), vlog.FloodOptions{Window: time.Second, Burst: 2})
	defer f.Close()
	t0 := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	for i := range 5 {
		r := slog.NewRecord(t0.Add(time.Duration(i)*100*time.Millisecond), slog.LevelError, "timeout", 0)
		require.NoError(t, f.Handle(context.Background(), r))
	}
	r := slog.NewRecord(t0.Add(2*time.Second), slog.LevelError, "timeout", 0)
	require.NoError(t, f.Handle(context.Background(), r))
	recs := logs.Records(t)
	require.Len(t, recs, 4)
	assert.Equal(t, 3.0, recs[2].Num(vlog.KeySuppressed))
	assert.Equal(t, "2026-12-06T04:00:00.2Z", recs[2].Str(vlog.KeySuppressedFirst))
	assert.Equal(t, "2026-12-06T04:00:00.4Z", recs[2].Str(vlog.KeySuppressedLast))
	assert.Equal(t, "2026-12-06T04:00:02Z", recs[3].Str("time"), "the new window's first record passes")
}

// TestFloodKeys keeps levels, messages, call sites and KeyAttr values (from
// the record, the logger or the context) apart.
func TestFloodKeys(t *testing.T) {
	var logs logtest.Buffer
	l, f := floodLogger(&logs, vlog.FloodOptions{Level: slog.LevelInfo, Window: time.Hour, Burst: 1, KeyAttr: "breaker"})
	defer f.Close()
	for range 3 {
		l.Warn("open")
		l.Error("open")
		l.Warn("closed")
		l.Warn("open", "breaker", "payments")
		l.With("breaker", "shipping").Warn("open")
		l.WarnContext(vlog.With(context.Background(), "breaker", "search"), "open")
	}
	l.Warn("open") // another call site
	assert.Len(t, logs.Find(t, func(r logtest.Record) bool { return r[vlog.KeySuppressed] == nil }), 7)
	assert.Equal(t, uint64(12), f.Suppressed())
}

// countingHandler counts the records and the summarised records it is
// given.
type countingHandler struct {
	passed, summarised *atomic.Uint64
}

func (h countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h countingHandler) WithGroup(string) slog.Handler            { return h }
func (h countingHandler) Handle(_ context.Context, r slog.Record) error {
	var n uint64
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == vlog.KeySuppressed {
			n = a.Value.Uint64()
		}
		return n == 0
	})
	if n == 0 {
		h.passed.Add(1)
	} else {
		h.summarised.Add(n)
	}
	return nil
}

// TestFloodCountsReconcile logs from 8 goroutines at GOMAXPROCS 8 with
// windows that end during the run: every record is either passed or
// counted in exactly one summary.
func TestFloodCountsReconcile(t *testing.T) {
	defer goleak.VerifyNone(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	var passed, summarised atomic.Uint64
	f := vlog.NewFloodHandler(countingHandler{&passed, &summarised}, vlog.FloodOptions{Window: time.Millisecond, Burst: 4, KeyAttr: "k"})
	l := slog.New(f)
	msgs := []string{"a", "b", "c"}
	var logged atomic.Uint64
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			ctx := reqid.With(context.Background(), reqid.New())
			for i := 0; i < 200_000 && time.Now().Before(deadline); i++ {
				l.WarnContext(ctx, msgs[i%len(msgs)], "k", g%2)
				logged.Add(1)
			}
		})
	}
	wg.Wait()
	require.NoError(t, f.Close())
	assert.Equal(t, logged.Load(), passed.Load()+summarised.Load(), "passed + suppressed = logged")
	assert.Equal(t, f.Suppressed(), summarised.Load())
	assert.Positive(t, summarised.Load())
}

// panickyHandler tells each call, then panics.
type panickyHandler struct {
	countingHandler
	called chan struct{}
}

func (h panickyHandler) Handle(context.Context, slog.Record) error {
	h.called <- struct{}{}
	panic("inner exploded")
}

// TestFloodSummaryPanicIsContained has the inner handler panic on the
// summary that the timer writes: the process goes on.
func TestFloodSummaryPanicIsContained(t *testing.T) {
	defer goleak.VerifyNone(t)
	inner := panickyHandler{called: make(chan struct{}, 10)}
	f := vlog.NewFloodHandler(inner, vlog.FloodOptions{Window: time.Millisecond, Burst: 1})
	r := slog.NewRecord(time.Now(), slog.LevelError, "x", 0)
	assert.Panics(t, func() { _ = f.Handle(context.Background(), r) }, "a passed record's panic is its caller's")
	<-inner.called
	_ = f.Handle(context.Background(), r) // suppressed, which arms the timer
	select {
	case <-inner.called: // the timer's summary; its panic was recovered
	case <-time.After(5 * time.Second):
		t.Fatal("no summary from the timer")
	}
	require.NoError(t, f.Close())
}

// benchFlood measures h.Handle on logFour's record with a request's
// context; slog.DiscardHandler inside, so that the figure is the flood
// handler's own cost.
func benchFlood(b *testing.B, h slog.Handler) {
	r, ctx := fourRecord(), requestContext()
	b.ReportAllocs()
	for b.Loop() {
		_ = h.Handle(ctx, r)
	}
}

// benchFloodParallel is benchFlood from every P at once: one key, so
// every goroutine takes the same slot's lock, as in a real flood.
func benchFloodParallel(b *testing.B, h slog.Handler) {
	r, ctx := fourRecord(), requestContext()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = h.Handle(ctx, r)
		}
	})
}

// floodBench is a FloodHandler on slog.DiscardHandler for the benchmarks:
// fourRecord's INFO is collapsed, in a window longer than any run.
func floodBench(b *testing.B, burst int, keyAttr string) *vlog.FloodHandler {
	f := vlog.NewFloodHandler(slog.DiscardHandler, vlog.FloodOptions{Level: slog.LevelInfo, Window: time.Hour, Burst: burst, KeyAttr: keyAttr})
	b.Cleanup(func() { _ = f.Close() })
	return f
}

// BenchmarkFloodOff is the reference: no FloodHandler.
func BenchmarkFloodOff(b *testing.B) { benchFlood(b, slog.DiscardHandler) }

// BenchmarkFloodBelowLevel is a record below FloodOptions.Level: it passes
// after one comparison.
func BenchmarkFloodBelowLevel(b *testing.B) {
	f := vlog.NewFloodHandler(slog.DiscardHandler, vlog.FloodOptions{})
	b.Cleanup(func() { _ = f.Close() })
	benchFlood(b, f)
}

// BenchmarkFloodPassing is a record that passes. Target: at most 50 ns
// over BenchmarkFloodOff, 0 allocs.
func BenchmarkFloodPassing(b *testing.B) { benchFlood(b, floodBench(b, 1<<62, "")) }

// BenchmarkFloodSuppressing is a record that is suppressed. Target: at
// most 50 ns, 0 allocs.
func BenchmarkFloodSuppressing(b *testing.B) { benchFlood(b, floodBench(b, 1, "")) }

// BenchmarkFloodSuppressingKeyAttr is BenchmarkFloodSuppressing with a
// KeyAttr found among the record's attributes.
func BenchmarkFloodSuppressingKeyAttr(b *testing.B) { benchFlood(b, floodBench(b, 1, "currency")) }

// BenchmarkFloodOffParallel is BenchmarkFloodOff from every P.
func BenchmarkFloodOffParallel(b *testing.B) { benchFloodParallel(b, slog.DiscardHandler) }

// BenchmarkFloodPassingParallel is BenchmarkFloodPassing from every P.
func BenchmarkFloodPassingParallel(b *testing.B) { benchFloodParallel(b, floodBench(b, 1<<62, "")) }

// BenchmarkFloodSuppressingParallel is BenchmarkFloodSuppressing from
// every P.
func BenchmarkFloodSuppressingParallel(b *testing.B) { benchFloodParallel(b, floodBench(b, 1, "")) }

func ExampleNewFloodHandler() {
	h := vlog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTimes})
	flood := vlog.NewFloodHandler(h, vlog.FloodOptions{Burst: 2, KeyAttr: "breaker"})
	logger := slog.New(flood)
	for range 5 {
		logger.Error("call rejected", "breaker", "payments")
	}
	_ = flood.Close() // at shutdown: the pending summaries
	// Output:
	// {"level":"ERROR","msg":"call rejected","breaker":"payments"}
	// {"level":"ERROR","msg":"call rejected","breaker":"payments"}
	// {"level":"ERROR","msg":"log records suppressed","suppressed_msg":"call rejected","suppressed":3,"breaker":"payments"}
}

// dropTimes leaves out the record's time and the summary's times, which
// change from run to run.
func dropTimes(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindTime {
		return slog.Attr{}
	}
	return a
}
