package breaker

import (
	"context"
	"log/slog"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/vitals-go/vitals/internal/logtest"
)

// The user code a breaker calls besides the caller's own function (the
// listeners given to Subscribe, the log handler, the tracer), tried with
// each way it can fail: panicking, calling runtime.Goexit, blocking for
// good. None of them may crash the process, reach a caller, stop later
// deliveries, or make the breaker keep every transition.

// gatedHandler is a slog handler that, once armed, blocks in Handle until
// released; it writes to w otherwise.
type gatedHandler struct {
	slog.Handler
	armed   *atomic.Bool
	release chan struct{}
}

func newGatedHandler(lg *logtest.Buffer) gatedHandler {
	return gatedHandler{slog.NewJSONHandler(lg, nil), new(atomic.Bool), make(chan struct{})}
}

func (h gatedHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.armed.Load() {
		<-h.release
	}
	return h.Handler.Handle(ctx, r)
}

// goexitHandler calls runtime.Goexit for its first record, and writes the
// others to w.
type goexitHandler struct {
	slog.Handler
	calls *atomic.Int32
}

func (h goexitHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.calls.Add(1) == 1 {
		runtime.Goexit()
	}
	return h.Handler.Handle(ctx, r)
}

// newQuiet is a breaker with no listener of the test harness's, for tests
// that make more transitions than the harness's channel holds.
func newQuiet(t *testing.T, cfg Config) *Breaker {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "dep"
	}
	b, err := New(cfg)
	require.NoError(t, err)
	return b
}

// flip makes n transitions: forced open, reset, forced open...
func flip(b *Breaker, n int) {
	for i := range n {
		if i%2 == 0 {
			b.ForceOpen("flip " + strconv.Itoa(i))
		} else {
			b.Reset()
		}
	}
}

// receive reads n transitions from ch, failing after 5 s.
func receive(t *testing.T, ch <-chan Transition, n int) []Transition {
	t.Helper()
	var got []Transition
	for range n {
		select {
		case tr := <-ch:
			got = append(got, tr)
		case <-time.After(5 * time.Second):
			t.Fatalf("received %d transitions of %d", len(got), n)
		}
	}
	return got
}

// A listener that panics, with a log handler that panics too (when the
// breaker logs the listener's panic), crashes nothing and keeps receiving.
func TestListenerAndLogHandlerBothPanicking(t *testing.T) {
	h := newHarness(t, Config{Logger: slog.New(panicHandler{slog.NewTextHandler(nil, nil)})})
	got := make(chan Transition, 10)
	h.b.Subscribe(func(tr Transition) { got <- tr; panic("listener bug") })
	flip(h.b, 3)
	assert.Len(t, receive(t, got, 3), 3)
}

// A listener that calls runtime.Goexit (t.FailNow from a test's listener,
// say) keeps receiving the next transitions.
func TestListenerCallingGoexitKeepsReceiving(t *testing.T) {
	h := newHarness(t, Config{})
	got := make(chan Transition, 10)
	h.b.Subscribe(func(tr Transition) { got <- tr; runtime.Goexit() })
	flip(h.b, 3)
	tr := receive(t, got, 3)
	assert.Equal(t, []State{ForcedOpen, Closed, ForcedOpen}, []State{tr[0].To, tr[1].To, tr[2].To})
}

// A log handler that calls runtime.Goexit does not stop the publishing of
// the transitions after it.
func TestLogHandlerCallingGoexitKeepsPublishing(t *testing.T) {
	var lg logtest.Buffer
	h := newHarness(t, Config{Logger: slog.New(goexitHandler{slog.NewJSONHandler(&lg, nil), new(atomic.Int32)})})
	flip(h.b, 3)
	lg.Wait(t, logtest.Msg("breaker closed"), 1)
	lg.Wait(t, logtest.Msg("breaker forced open"), 1)
}

// A listener that never returns holds at most mailboxLimit transitions,
// and neither calls nor transitions wait for it. Once it returns, it is
// told how many it missed, and gets the latest ones, in order.
func TestBlockedListenerHoldsABoundedQueue(t *testing.T) {
	var lg logtest.Buffer
	b := newQuiet(t, Config{Logger: slog.New(slog.NewJSONHandler(&lg, nil))})
	blocked, release := make(chan struct{}), make(chan struct{})
	got := make(chan Transition, 2*mailboxLimit)
	b.Subscribe(func(tr Transition) {
		if tr.Generation == 1 {
			close(blocked)
			<-release
		}
		got <- tr
	})
	flip(b, 1)
	<-blocked
	const more = 3 * mailboxLimit
	start := time.Now()
	flip(b, more)
	require.NoError(t, b.Run(context.Background(), func(context.Context) error { return nil }))
	assert.Less(t, time.Since(start), 5*time.Second, "transitions waited for the listener")
	ls := *b.listeners.Load()
	for _, m := range ls {
		m.mu.Lock()
		assert.LessOrEqual(t, len(m.queue), mailboxLimit)
		m.mu.Unlock()
	}

	close(release)
	tr := receive(t, got, 1+mailboxLimit)
	assert.Equal(t, uint64(1), tr[0].Generation)
	for i, x := range tr[1:] {
		assert.Equal(t, uint64(1+more-mailboxLimit+1+i), x.Generation, "the latest transitions, in order")
	}
	r := lg.Wait(t, logtest.Msg("breaker listener fell behind"), 1)[0]
	assert.Contains(t, r.Str("error"), strconv.Itoa(more-mailboxLimit)+" transitions were dropped")
}

// A log handler that never returns holds at most mailboxLimit transitions
// waiting to be logged; calls, transitions and listeners go on (receive
// fails the test otherwise), and once it returns the records it missed are
// counted in one.
func TestBlockedLogHandlerHoldsABoundedQueue(t *testing.T) {
	var lg logtest.Buffer
	gate := newGatedHandler(&lg)
	gate.armed.Store(true)
	b := newQuiet(t, Config{Logger: slog.New(gate)})
	got := make(chan Transition, mailboxLimit)
	b.Subscribe(func(tr Transition) { got <- tr })
	// In batches that the listener drains: it never falls behind, while
	// the log handler does.
	for range 3 {
		flip(b, mailboxLimit/2)
		receive(t, got, mailboxLimit/2)
	}
	require.NoError(t, b.Run(context.Background(), func(context.Context) error { return nil }))
	b.pub.mu.Lock()
	assert.LessOrEqual(t, len(b.pub.queue), mailboxLimit)
	b.pub.mu.Unlock()

	gate.armed.Store(false)
	close(gate.release)
	r := lg.Wait(t, logtest.Msg("breaker transitions not published"), 1)[0]
	assert.Contains(t, r.Str("error"), "transitions were neither logged nor traced")
}

// panicSpan is a recording span whose AddEvent has a bug.
type panicSpan struct{ trace.Span }

func (panicSpan) IsRecording() bool                     { return true }
func (panicSpan) AddEvent(string, ...trace.EventOption) { panic("tracer bug") }

// A span of the caller whose AddEvent panics (a tracer with a bug) does not
// reach the call that caused the transition.
func TestPanickingSpanDoesNotReachTheCaller(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1})
	ctx := trace.ContextWithSpan(context.Background(), panicSpan{trace.SpanFromContext(context.Background())})
	assert.NotPanics(t, func() {
		assert.ErrorIs(t, h.b.Run(ctx, func(context.Context) error { return errBoom }), errBoom)
	})
	h.expect(Closed, Open)
}

// The latch logs after releasing its lock, and survives a log handler that
// panics: a handler that blocks holds the caller of Reset, not the latch,
// and one that panics does not reach the caller.
func TestLatchLogsOutsideItsLock(t *testing.T) {
	t.Run("blocking", func(t *testing.T) {
		var lg logtest.Buffer
		gate := newGatedHandler(&lg)
		b, err := New(Config{Name: "gated", ConsecutiveFailures: 1, Logger: slog.New(gate)})
		require.NoError(t, err)
		l, err := NewLatch(b, filepath.Join(t.TempDir(), "gated.latch"))
		require.NoError(t, err)
		t.Cleanup(l.Close)
		require.NoError(t, l.Trip("test", nil))
		gate.armed.Store(true)
		reset := make(chan error, 1)
		go func() { reset <- l.Reset() }()
		done := make(chan bool, 1)
		go func() {
			// Reset may not have taken the lock yet: ask until it has
			// reset the latch, which it does before logging.
			for l.Tripped() {
				runtime.Gosched()
			}
			done <- true
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the latch's lock is held while its log handler blocks")
		}
		close(gate.release)
		require.NoError(t, <-reset)
	})
	t.Run("panicking", func(t *testing.T) {
		b, err := New(Config{Name: "panicky", ConsecutiveFailures: 1, Logger: slog.New(panicHandler{slog.NewTextHandler(nil, nil)})})
		require.NoError(t, err)
		l, err := NewLatch(b, filepath.Join(t.TempDir(), "panicky.latch"))
		require.NoError(t, err)
		t.Cleanup(l.Close)
		assert.NotPanics(t, func() { require.NoError(t, l.Trip("test", nil)) })
		assert.NotPanics(t, func() { require.NoError(t, l.Reset()) })
		assert.False(t, l.Tripped())
	})
}
