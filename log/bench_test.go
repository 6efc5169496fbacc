package log_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/vitals-go/vitals/internal/benchmetric"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

// requestContext returns a context carrying a request ID and a sampled span
// context (testRequestID, testTraceID, testSpanID), as middleware leaves it.
func requestContext() context.Context {
	tid, _ := trace.TraceIDFromHex(testTraceID)
	sid, _ := trace.SpanIDFromHex(testSpanID)
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	return reqid.With(ctx, testRequestID)
}

func logFour(ctx context.Context, l *slog.Logger) {
	l.InfoContext(ctx, "order placed", "order", "ord-7f3a", "items", 3, "total_cents", 12999, "currency", "EUR")
}

// benchFour measures logFour through l with ctx.
func benchFour(b *testing.B, ctx context.Context, l *slog.Logger) {
	b.ReportAllocs()
	for b.Loop() {
		logFour(ctx, l)
	}
}

// benchFourRatio reports the median ratio of logFour's cost through l to
// its cost through the reference bare (x-bare), timed in alternating
// stretches, with a request's context.
func benchFourRatio(b *testing.B, bare, l *slog.Logger) {
	ctx := requestContext()
	b.ReportAllocs()
	b.ReportMetric(benchmetric.PairedRatio(b, func() { logFour(ctx, bare) }, func() { logFour(ctx, l) }), "x-bare")
}

// BenchmarkJSONBare is the reference: slog's JSON handler alone, without the
// context fields.
func BenchmarkJSONBare(b *testing.B) {
	benchFour(b, requestContext(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
}

// BenchmarkJSONHandler is the same record through NewHandler, which adds
// process, request_id, trace_id and span_id. Target: at most 1.2x
// BenchmarkJSONBare, 0 allocs; the context's values are read for every
// record (three Value lookups), so that a reused context never logs another
// request's fields.
func BenchmarkJSONHandler(b *testing.B) {
	benchFour(b, requestContext(), slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil)))
}

// BenchmarkVitalsJSON is BenchmarkJSONHandler with NewJSONHandler inside
// NewHandler in place of slog's JSON handler, as New builds it.
func BenchmarkVitalsJSON(b *testing.B) {
	benchFour(b, requestContext(), slog.New(vlog.NewHandler(vlog.NewJSONHandler(io.Discard, nil), nil)))
}

// BenchmarkVitalsJSONRatio is BenchmarkVitalsJSON relative to
// BenchmarkJSONBare (x-bare), in alternating stretches. Both include what
// slog.Logger costs before any handler runs (the caller's PC, the time, the
// record), about as much as slog's JSON encoding of this record.
func BenchmarkVitalsJSONRatio(b *testing.B) {
	benchFourRatio(b, slog.New(slog.NewJSONHandler(io.Discard, nil)), slog.New(vlog.NewHandler(vlog.NewJSONHandler(io.Discard, nil), nil)))
}

// fourRecord is logFour's record, made once, for the handlers alone.
func fourRecord() slog.Record {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "order placed", 0)
	r.Add("order", "ord-7f3a", "items", 3, "total_cents", 12999, "currency", "EUR")
	return r
}

// BenchmarkSlogJSONHandle is slog's JSON handler alone on logFour's record:
// the encoding and the write, without the Logger.
func BenchmarkSlogJSONHandle(b *testing.B) {
	h, r, ctx := slog.NewJSONHandler(io.Discard, nil), fourRecord(), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = h.Handle(ctx, r)
	}
}

// BenchmarkVitalsJSONHandle is BenchmarkSlogJSONHandle with NewJSONHandler.
func BenchmarkVitalsJSONHandle(b *testing.B) {
	h, r, ctx := vlog.NewJSONHandler(io.Discard, nil), fourRecord(), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = h.Handle(ctx, r)
	}
}

// BenchmarkVitalsJSONHandleRatio is NewJSONHandler's cost relative to
// slog's JSON handler on the same record (x-slog), in alternating
// stretches. Target: at most 0.5, 0 allocs.
func BenchmarkVitalsJSONHandleRatio(b *testing.B) {
	slogH, vitalsH := slog.NewJSONHandler(io.Discard, nil), vlog.NewJSONHandler(io.Discard, nil)
	r, ctx := fourRecord(), context.Background()
	b.ReportAllocs()
	b.ReportMetric(benchmetric.PairedRatio(b, func() { _ = slogH.Handle(ctx, r) }, func() { _ = vitalsH.Handle(ctx, r) }), "x-slog")
}

// BenchmarkJSONHandlerWithContextAttrs adds two attributes carried by the
// context with log.With.
func BenchmarkJSONHandlerWithContextAttrs(b *testing.B) {
	benchFour(b, vlog.With(requestContext(), "route", "/v1/orders", "tenant", "acme"), slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil)))
}

// BenchmarkJSONHandlerFirstLine measures the first record of each request:
// a new context with a new request ID every time (made inside the loop, and
// counted: about one allocation and 100 ns), so the fields are built and
// encoded per record.
func BenchmarkJSONHandlerFirstLine(b *testing.B) {
	l := slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil))
	base := requestContext()
	b.ReportAllocs()
	for b.Loop() {
		logFour(reqid.With(base, reqid.New()), l)
	}
}

// BenchmarkJSONHandlerGroup logs through Logger.WithGroup: the record is
// nested per call, so this path allocates.
func BenchmarkJSONHandlerGroup(b *testing.B) {
	benchFour(b, requestContext(), slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil)).WithGroup("order"))
}

// BenchmarkDisabled is a record below the level: it must cost next to nothing.
func BenchmarkDisabled(b *testing.B) {
	benchFour(b, requestContext(), slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}), nil)))
}

// BenchmarkJSONHandlerRatio runs the bare JSON handler and NewHandler in
// alternating short stretches, in alternating order, and reports the median
// of the paired cost ratios (x-bare): a figure that stays meaningful on a
// busy machine, where separate benchmark runs drift apart.
func BenchmarkJSONHandlerRatio(b *testing.B) {
	benchFourRatio(b, slog.New(slog.NewJSONHandler(io.Discard, nil)), slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil)))
}

// BenchmarkWith is what middleware pays per request to attach its fields.
func BenchmarkWith(b *testing.B) {
	ctx := requestContext()
	b.ReportAllocs()
	for b.Loop() {
		_ = vlog.With(ctx, "method", "GET", "route", "/v1/orders")
	}
}

// BenchmarkRecordKeyClash logs a record that sets a key its context also
// carries, as an outbound call's record does with the inbound "method": the
// record is rebuilt without the context's copy.
func BenchmarkRecordKeyClash(b *testing.B) {
	l := slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil))
	ctx := vlog.With(requestContext(), "method", "POST", "route", "/v1/orders")
	b.ReportAllocs()
	for b.Loop() {
		l.LogAttrs(ctx, slog.LevelInfo, "outbound request", slog.String("method", "GET"), slog.String("host", "api"),
			slog.String("path", "/users/42"), slog.Int("status", 200))
	}
}

// BenchmarkWithAttrs is BenchmarkWith without converting values to interfaces.
func BenchmarkWithAttrs(b *testing.B) {
	ctx := requestContext()
	b.ReportAllocs()
	for b.Loop() {
		_ = vlog.WithAttrs(ctx, slog.String("method", "GET"), slog.String("route", "/v1/orders"))
	}
}
