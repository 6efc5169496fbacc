package log_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	vlog "github.com/vitals-go/vitals/log"
)

// summaryHandler hands records to next, but misbehaves on a summary as
// onSummary says.
type summaryHandler struct {
	next      slog.Handler
	onSummary func() error
}

func (h summaryHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h summaryHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h summaryHandler) WithGroup(string) slog.Handler            { return h }
func (h summaryHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == vlog.FloodSummaryMsg {
		if err := h.onSummary(); err != nil {
			return err
		}
	}
	return h.next.Handle(ctx, r)
}

// TestFloodSummaryRefusedIsReported has the inner handler panic on the
// first summary and fail the second: their counts are kept and reported by
// the third summary, which it takes.
func TestFloodSummaryRefusedIsReported(t *testing.T) {
	var out lines
	var calls atomic.Int32
	inner := summaryHandler{next: newLogger(&out).Handler(), onSummary: func() error {
		switch calls.Add(1) {
		case 1:
			panic("sink exploded")
		case 2:
			return errors.New("sink full")
		}
		return nil
	}}
	f := vlog.NewFloodHandler(inner, vlog.FloodOptions{Window: time.Hour, Burst: 1})
	l := slog.New(f)
	for round, n := range []int{3, 4, 5} { // suppressed per round: 2, 3, 4
		for range n {
			l.Error("payments down")
		}
		f.Flush()
		assert.Equal(t, int32(round+1), calls.Load())
	}
	assert.Equal(t, uint64(5), f.Unreported(), "the first two summaries' records")
	var sums []map[string]any
	for _, m := range out.decode(t) {
		if m["msg"] == vlog.FloodSummaryMsg {
			sums = append(sums, m)
		}
	}
	require.Len(t, sums, 1)
	assert.Equal(t, 4.0, sums[0][vlog.KeySuppressed])
	assert.Equal(t, 5.0, sums[0][vlog.KeyUnreported])
	require.NoError(t, f.Close())
}

// TestFloodInnerBlocksForever has the inner handler block on every
// summary. The records all bear one time, so that only the timer ends
// their windows: the key's records are still counted while the timer's
// summary is stuck (no lock is held around it), the timer starts no
// goroutine per window behind the stuck one, Close returns at its
// deadline, and nothing is left running once the inner handler returns.
func TestFloodInnerBlocksForever(t *testing.T) {
	defer goleak.VerifyNone(t)
	release := make(chan struct{})
	blocked := make(chan struct{}, 1)
	var passed, summarised atomic.Uint64
	inner := summaryHandler{next: countingHandler{&passed, &summarised}, onSummary: func() error {
		select {
		case blocked <- struct{}{}:
		default:
		}
		<-release
		return nil
	}}
	f := vlog.NewFloodHandler(inner, vlog.FloodOptions{Window: 5 * time.Millisecond, Burst: 1, CloseTimeout: 100 * time.Millisecond})
	r := slog.NewRecord(time.Now(), slog.LevelError, "stuck", 0)
	for range 2 { // the second is suppressed: it arms the timer
		require.NoError(t, f.Handle(context.Background(), r))
	}
	<-blocked // the timer's sweep is in the inner handler, for good
	goroutines := runtime.NumGoroutine()

	// The key floods on for many windows while the sweep is stuck.
	before := f.Suppressed()
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) {
		require.NoError(t, f.Handle(context.Background(), r))
		time.Sleep(time.Millisecond) // let windows end: the test is about time passing
	}
	assert.Greater(t, f.Suppressed()-before, uint64(20), "records are counted while a summary is stuck")
	assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines+1, "no goroutine per window behind the stuck one")

	start := time.Now()
	err := f.Close()
	require.ErrorIs(t, err, vlog.ErrFloodCloseTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second, "Close is bounded")

	close(release)
	require.NoError(t, f.Close(), "once the inner handler returns, Close finishes")
	assert.Equal(t, f.Suppressed(), summarised.Load(), "every suppressed record reached a summary")
}

// TestFloodInnerPanicsOnRecord has the inner handler panic on records
// that pass, from 8 goroutines: each panic is its caller's, no slot stays
// locked, and the counts still reconcile.
func TestFloodInnerPanicsOnRecord(t *testing.T) {
	defer goleak.VerifyNone(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	var passed, summarised atomic.Uint64
	var n atomic.Int64
	inner := summaryHandler{next: countingHandler{&passed, &summarised}, onSummary: func() error { return nil }}
	f := vlog.NewFloodHandler(panicEvery{inner, &n}, vlog.FloodOptions{Window: time.Millisecond, Burst: 2})
	l := slog.New(f)
	var logged, panicked atomic.Uint64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				func() {
					defer func() {
						if recover() != nil {
							panicked.Add(1)
						}
					}()
					logged.Add(1)
					l.Error("flaky sink")
				}()
			}
		})
	}
	wg.Wait()
	require.NoError(t, f.Close())
	assert.Positive(t, panicked.Load())
	assert.Equal(t, logged.Load(), passed.Load()+panicked.Load()+summarised.Load(), "each record passed, panicked to its caller, or was summarised")
}

// panicEvery panics on every third record that is not a summary.
type panicEvery struct {
	summaryHandler
	n *atomic.Int64
}

func (h panicEvery) Handle(ctx context.Context, r slog.Record) error {
	if r.Message != vlog.FloodSummaryMsg && h.n.Add(1)%3 == 0 {
		panic("inner exploded")
	}
	return h.summaryHandler.Handle(ctx, r)
}

// moodyHandler panics on the message "boom" and blocks on "stall" until
// release is closed; it writes every other record to next.
type moodyHandler struct {
	slog.Handler
	stalled chan struct{}
	release chan struct{}
}

func (h moodyHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return moodyHandler{h.Handler.WithAttrs(as), h.stalled, h.release}
}

func (h moodyHandler) Handle(ctx context.Context, r slog.Record) error {
	switch r.Message {
	case "boom":
		panic("inner exploded")
	case "stall":
		h.stalled <- struct{}{}
		<-h.release
	}
	return h.Handler.Handle(ctx, r)
}

// TestHandlerInnerPanicsAndBlocks has the handler under NewHandler panic
// on one record and block on another: the panic is the caller's, the
// blocked call holds nothing that other records need, and both before and
// after, records carry their request's fields.
func TestHandlerInnerPanicsAndBlocks(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out lines
	inner := moodyHandler{vlog.NewJSONHandler(&out, nil), make(chan struct{}), make(chan struct{})}
	l := slog.New(vlog.NewHandler(inner, &vlog.HandlerOptions{Process: &testIdentity}))
	ctx := requestContext()
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.InfoContext(ctx, "stall")
	}()
	<-inner.stalled
	for range 3 {
		l.InfoContext(ctx, "while stalled")
	}
	assert.PanicsWithValue(t, "inner exploded", func() { l.InfoContext(ctx, "boom") })
	l.InfoContext(ctx, "after the panic")
	close(inner.release)
	<-done
	got := out.decode(t)
	require.Len(t, got, 5)
	for _, m := range got {
		assertRequestFields(t, m)
	}
	assert.Equal(t, "stall", got[4]["msg"])
}
