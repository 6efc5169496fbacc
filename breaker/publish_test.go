package breaker

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/vitals-go/vitals/internal/logtest"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

func TestTransitionsArePublished(t *testing.T) {
	var logs logtest.Buffer
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	logger := slog.New(vlog.NewHandler(slog.NewJSONHandler(&logs, nil), &vlog.HandlerOptions{OmitProcess: true}))
	h := newHarness(t, Config{Name: "payments", ConsecutiveFailures: 2, Logger: logger, TracerProvider: tp})

	// The tripping call runs inside a request with an ID and a span.
	ctx := reqid.With(context.Background(), "req-42")
	ctx, call := tp.Tracer("test").Start(ctx, "POST /charge")
	h.fails(1)
	require.ErrorIs(t, h.b.Run(ctx, func(context.Context) error { return errBoom }), errBoom)
	call.End()
	h.expect(Closed, Open)
	h.clock.Advance(30 * time.Second)
	require.NoError(t, h.run(nil))
	h.expect(Open, HalfOpen)
	h.expect(HalfOpen, Closed)

	// Logs: Warn on open with what tripped it and the remedy, in the
	// tripping call's request and trace; Info for the others.
	// Listeners do not wait for the log, so the test does.
	recs := logs.Wait(t, func(logtest.Record) bool { return true }, 3)
	require.Len(t, recs, 3)
	open := recs[0]
	assert.Equal(t, "WARN", open["level"])
	assert.Equal(t, "breaker opened", open["msg"])
	assert.Equal(t, "payments", open["breaker"])
	assert.Equal(t, "closed", open["from"])
	assert.Equal(t, "open", open["to"])
	assert.Equal(t, "2 consecutive failures", open["reason"])
	assert.Equal(t, "calling payments", open["attempted"])
	assert.Equal(t, "boom", open["error"])
	assert.Contains(t, open["remedy"], "rejected until 2026-11-23T14:00:30Z (for 30s), then 1 probe call decides")
	assert.Equal(t, "req-42", open["request_id"])
	assert.Equal(t, call.SpanContext().TraceID().String(), open["trace_id"])
	assert.Equal(t, map[string]any{"consecutive_failures": 2.0, "window_calls": 0.0, "window_failures": 0.0, "window_slow": 0.0, "probes": 0.0, "probe_successes": 0.0}, open["counts"])
	assert.Equal(t, "INFO", recs[1]["level"])
	assert.Equal(t, "breaker half-open", recs[1]["msg"])
	assert.Equal(t, "INFO", recs[2]["level"])
	assert.Equal(t, "breaker closed", recs[2]["msg"])
	assert.NotContains(t, recs[1], "request_id")

	// Stats.
	v, ok := h.stats.GaugeValue("breaker.payments.state")
	require.True(t, ok)
	assert.Equal(t, 0.0, v)
	assert.Equal(t, int64(1), h.stats.Counted("breaker.payments.transitions.open"))
	assert.Equal(t, int64(1), h.stats.Counted("breaker.payments.transitions.half_open"))
	assert.Equal(t, int64(1), h.stats.Counted("breaker.payments.transitions.closed"))
	assert.Equal(t, int64(2), h.stats.Counted("breaker.payments.calls.failure"))
	assert.Equal(t, int64(1), h.stats.Counted("breaker.payments.calls.success"))

	// Spans: an event on the tripping call's span, and a span of its own
	// per transition, linked to the causing call.
	require.Eventually(t, func() bool { return len(spans.Ended()) == 4 }, 5*time.Second, time.Millisecond, "the call's span and one per transition")
	ended := spans.Ended()
	var callSpan sdktrace.ReadOnlySpan
	var own []sdktrace.ReadOnlySpan
	for _, s := range ended {
		if s.Name() == "POST /charge" {
			callSpan = s
		} else {
			own = append(own, s)
		}
	}
	require.NotNil(t, callSpan)
	require.Len(t, callSpan.Events(), 1)
	assert.Equal(t, "breaker.open", callSpan.Events()[0].Name)
	assert.Contains(t, callSpan.Events()[0].Attributes, attribute.String("breaker.reason", "2 consecutive failures"))
	require.Len(t, own, 3)
	assert.Equal(t, []string{"breaker open", "breaker half_open", "breaker closed"}, []string{own[0].Name(), own[1].Name(), own[2].Name()})
	first := own[0]
	require.Len(t, first.Links(), 1)
	assert.Equal(t, call.SpanContext().SpanID(), first.Links()[0].SpanContext.SpanID())
	assert.NotEqual(t, call.SpanContext().TraceID(), first.SpanContext().TraceID(), "a root of its own")
	attrs := first.Attributes()
	for _, want := range []attribute.KeyValue{
		attribute.String("breaker.name", "payments"),
		attribute.String("breaker.from", "closed"),
		attribute.String("breaker.to", "open"),
		attribute.String("breaker.reason", "2 consecutive failures"),
		attribute.Int64("breaker.consecutive_failures", 2),
	} {
		assert.Contains(t, attrs, want)
	}
	assert.Empty(t, own[1].Links(), "no call span to link when the call had none")
}

func TestGaugeFollowsState(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1})
	gauge := func() float64 {
		v, _ := h.stats.GaugeValue("breaker.dep.state")
		return v
	}
	h.fails(1)
	h.expect(Closed, Open)
	assert.Equal(t, 2.0, gauge())
	h.clock.Advance(30 * time.Second)
	tk, err := h.b.Allow(context.Background())
	require.NoError(t, err)
	h.expect(Open, HalfOpen)
	assert.Equal(t, 1.0, gauge())
	tk.Done(nil)
	h.expect(HalfOpen, Closed)
	assert.Equal(t, 0.0, gauge())
}

func TestTimeCalls(t *testing.T) {
	h := newHarness(t, Config{TimeCalls: true})
	require.NoError(t, h.b.Run(context.Background(), func(context.Context) error { h.clock.Advance(42 * time.Millisecond); return nil }))
	assert.Equal(t, []time.Duration{42 * time.Millisecond}, h.stats.Timings("breaker.dep.duration"))
}

func TestListeners(t *testing.T) {
	var logs logtest.Buffer
	h := newHarness(t, Config{ConsecutiveFailures: 1, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})

	// A listener that blocks does not block calls nor other listeners.
	release := make(chan struct{})
	slowGot := make(chan Transition, 10)
	unsubSlow := h.b.Subscribe(func(tr Transition) { <-release; slowGot <- tr })
	// A listener that panics keeps receiving.
	var mu sync.Mutex
	var panicky []State
	h.b.Subscribe(func(tr Transition) {
		mu.Lock()
		panicky = append(panicky, tr.To)
		mu.Unlock()
		panic("listener bug")
	})

	h.fails(1)
	h.expect(Closed, Open)
	h.b.Reset()
	h.expect(Open, Closed)
	h.fails(1)
	h.expect(Closed, Open)

	close(release)
	for _, want := range []State{Open, Closed, Open} {
		select {
		case tr := <-slowGot:
			assert.Equal(t, want, tr.To)
		case <-time.After(5 * time.Second):
			t.Fatal("slow listener starved")
		}
	}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(panicky) == 3
	}, 5*time.Second, time.Millisecond)
	mu.Lock()
	assert.Equal(t, []State{Open, Closed, Open}, panicky)
	mu.Unlock()
	panicked := logs.Wait(t, logtest.Msg("breaker listener panicked"), 3)
	require.Len(t, panicked, 3)
	for _, r := range panicked {
		assert.Equal(t, "listener bug", r["error"])
	}

	unsubSlow()
	unsubSlow()
	h.b.Reset()
	h.expect(Open, Closed)
	select {
	case tr := <-slowGot:
		t.Fatalf("delivered after unsubscribe: %v", tr.To)
	case <-time.After(20 * time.Millisecond):
	}
}

func TestListenerCallsBackIntoBreaker(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1})
	done := make(chan Snapshot, 1)
	h.b.Subscribe(func(tr Transition) {
		if tr.To == Open {
			_ = h.b.Snapshot()
			_ = h.b.Run(tr.Context(), func(context.Context) error { return nil })
			h.b.Reset()
			done <- h.b.Snapshot()
		}
	})
	h.fails(1)
	select {
	case s := <-done:
		assert.Equal(t, Closed, s.State)
	case <-time.After(5 * time.Second):
		t.Fatal("listener deadlocked")
	}
	h.expect(Closed, Open)
	h.expect(Open, Closed)
}

func TestTransitionContext(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1})
	ctx, cancel := context.WithCancel(reqid.With(context.Background(), "req-7"))
	require.ErrorIs(t, h.b.Run(ctx, func(context.Context) error { return errBoom }), errBoom)
	cancel()
	tr := h.expect(Closed, Open)
	id, ok := reqid.From(tr.Context())
	assert.True(t, ok)
	assert.Equal(t, "req-7", id)
	assert.NoError(t, tr.Context().Err(), "detached from the call's cancellation")
	assert.NotNil(t, Transition{}.Context())
}

// panicHandler is a slog handler with a bug.
type panicHandler struct{ slog.Handler }

func (panicHandler) Handle(context.Context, slog.Record) error { panic("handler bug") }

func TestPanickingLogHandlerDoesNotStopPublishing(t *testing.T) {
	h := newHarness(t, Config{ConsecutiveFailures: 1, Logger: slog.New(panicHandler{slog.NewTextHandler(nil, nil)})})
	h.fails(1)
	h.expect(Closed, Open)
	v, _ := h.stats.GaugeValue("breaker.dep.state")
	assert.Equal(t, 2.0, v)
}
