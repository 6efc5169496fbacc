package breaker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/vitals-go/vitals/errctx"
)

// Transition is one change of state, as published to the logs, the stats,
// the traces and the listeners given to [Breaker.Subscribe].
type Transition struct {
	// Breaker is the breaker's name.
	Breaker string
	// From and To are the states before and after.
	From, To State
	// Reason says what caused the transition, e.g. "5 consecutive failures".
	Reason string
	// At is when it happened.
	At time.Time
	// Generation is the number of the generation that starts; it grows by
	// one with every transition.
	Generation uint64
	// Counts are the counts of the generation that ended.
	Counts Counts
	// LastError is the error of the failure that opened the breaker, when
	// To is Open; nil when that failure was a result without an error.
	LastError error
	// OpenUntil is when calls resume, when To is Open.
	OpenUntil time.Time
	// SpanContext is the span of the call that caused the transition
	// (invalid for Reset, ForceOpen and Disable, which no call causes).
	SpanContext trace.SpanContext

	ctx context.Context
	// latched says the breaker opened while a Latch followed it: To is then
	// ForcedOpen, and Reason the cause of the opening.
	latched bool
}

// Context returns the context of the call that caused the transition,
// detached from its cancellation: it carries the request ID, the trace and
// any log attributes of that call. Pass it to a logger or a tracer.
func (t Transition) Context() context.Context {
	if t.ctx == nil {
		return context.Background()
	}
	return t.ctx
}

// attributes are the span attributes of a transition.
func (t Transition) attributes() []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("breaker.name", t.Breaker),
		attribute.String("breaker.from", t.From.String()),
		attribute.String("breaker.to", t.To.String()),
		attribute.String("breaker.reason", t.Reason),
		attribute.Int64("breaker.generation", int64(t.Generation)),
		attribute.Int64("breaker.consecutive_failures", t.Counts.ConsecutiveFailures),
		attribute.Int64("breaker.window_calls", t.Counts.WindowCalls),
		attribute.Int64("breaker.window_failures", t.Counts.WindowFailures),
		attribute.Int64("breaker.window_slow", t.Counts.WindowSlow),
		attribute.Int64("breaker.probe_successes", int64(t.Counts.ProbeSuccesses)),
	}
}

// message is the log message for a transition.
func (t Transition) message() string {
	switch t.To {
	case Open:
		return "breaker opened"
	case HalfOpen:
		return "breaker half-open"
	case ForcedOpen:
		return "breaker forced open"
	case Disabled:
		return "breaker disabled"
	}
	return "breaker closed"
}

// published is what the publishing goroutine writes: a transition, or the
// number of transitions a listener lost.
type published struct {
	t            Transition
	listenerLost int
}

// publish reports one transition to the log and the tracer. It
// runs on the breaker's publishing goroutine, one transition at a time, in
// order; listeners have their own (see Breaker.transition).
func (b *Breaker) publish(t Transition) {
	ctx := t.Context()
	level := slog.LevelInfo
	attrs := []slog.Attr{
		slog.String("breaker", t.Breaker),
		slog.String("from", t.From.String()),
		slog.String("to", t.To.String()),
		slog.String("reason", t.Reason),
		slog.Uint64("generation", t.Generation),
		slog.Any("counts", t.Counts),
	}
	if t.To == Open || t.To == ForcedOpen {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("attempted", "calling "+t.Breaker))
		if t.LastError != nil {
			attrs = append(attrs, slog.Any("error", loggable(t.LastError)))
		}
		attrs = append(attrs, slog.String("remedy", b.remedy(t)))
	}
	safely(func() { b.logger().LogAttrs(ctx, level, t.message(), attrs...) })

	opts := []trace.SpanStartOption{
		trace.WithNewRoot(),
		trace.WithTimestamp(t.At),
		trace.WithAttributes(t.attributes()...),
	}
	if t.SpanContext.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: t.SpanContext}))
	}
	safely(func() {
		_, span := b.tracer.Start(ctx, "breaker "+t.To.String(), opts...)
		span.End()
	})

}

// remedy is the log's remedy for a breaker that stops calls.
func (b *Breaker) remedy(t Transition) string {
	if t.To == ForcedOpen {
		return "calls to " + t.Breaker + " are rejected until Reset() is called"
	}
	decide := " decides"
	if b.cfg.ProbeLimit > 1 {
		decide = " decide"
	}
	// The absolute time is for matching other logs; the period is for a
	// reader, since RFC 3339 to the second hides a sub-second open period.
	return "calls to " + t.Breaker + " are rejected until " + t.OpenUntil.UTC().Format(time.RFC3339) +
		" (for " + t.OpenUntil.Sub(t.At).Round(time.Millisecond).String() + "), then " + probes(b.cfg.ProbeLimit) + decide +
		" whether they resume; look at the dependency's health and the last error"
}

func (b *Breaker) logger() *slog.Logger {
	if b.cfg.Logger != nil {
		return b.cfg.Logger
	}
	return slog.Default()
}

// safely runs one publishing step so that a panicking log handler or tracer
// cannot stop the steps after it, nor crash the publishing goroutine:
// observability never fails the caller.
func safely(step func()) {
	defer func() { _ = recover() }()
	step()
}

// loggable is err as a log record should show it: the outermost errctx
// error inside it when there is one, which logs as a structured group,
// rather than the flat text of a wrapper such as net/http's *url.Error
// (which repeats the URL the errctx error already names).
func loggable(err error) any {
	if e, ok := errors.AsType[*errctx.Error](err); ok {
		return e
	}
	return err
}
