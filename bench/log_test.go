package bench

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/vitals-go/vitals/internal/benchmetric"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

// One request-scoped log line: Info with 4 attributes, on a context that
// carries a request ID and a span. Target: vitals' handler at most 1.1x the
// bare slog JSON handler (which writes none of the request fields), 0 allocs.
// zap and zerolog are given the same fields the way their users would: a
// request logger built once per request with the fields pre-encoded.

const (
	benchRequestID = "0af7651916cd43dd8448eb211c80319c"
	benchTraceID   = "4bf92f3577b34da6a3ce929d0e0e4736"
	benchSpanID    = "00f067aa0ba902b7"
)

func logContext(b *testing.B) context.Context {
	tid, err := trace.TraceIDFromHex(benchTraceID)
	if err != nil {
		b.Fatal(err)
	}
	sid, err := trace.SpanIDFromHex(benchSpanID)
	if err != nil {
		b.Fatal(err)
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	return reqid.With(trace.ContextWithSpanContext(context.Background(), sc), benchRequestID)
}

// logOrder is the benchmarked record, the same for every slog handler.
func logOrder(ctx context.Context, l *slog.Logger) {
	l.InfoContext(ctx, "order placed", "order", "ord-7f3a", "items", 3, "total_cents", 12999, "currency", "EUR")
}

// benchLogOrder logs the record through l on the request's context.
func benchLogOrder(b *testing.B, l *slog.Logger) {
	ctx := logContext(b)
	b.ReportAllocs()
	for b.Loop() {
		logOrder(ctx, l)
	}
}

func BenchmarkLogSlogJSONBare(b *testing.B) {
	benchLogOrder(b, slog.New(slog.NewJSONHandler(io.Discard, nil)))
}

func BenchmarkLogVitalsHandler(b *testing.B) {
	benchLogOrder(b, slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil)))
}

// BenchmarkLogVitalsJSON is BenchmarkLogVitalsHandler on vitals' own JSON
// handler, as log.New builds it: the same bytes as slog's JSON handler
// writes, and all the request fields. Target: below BenchmarkLogSlogJSONBare.
func BenchmarkLogVitalsJSON(b *testing.B) {
	benchLogOrder(b, slog.New(vlog.NewHandler(vlog.NewJSONHandler(io.Discard, nil), nil)))
}

func BenchmarkLogZap(b *testing.B) {
	p := reqid.Process()
	base := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel)).
		With(zap.Dict("process", zap.String("service", p.Service), zap.String("version", p.Version), zap.String("host", p.Host),
			zap.Int("pid", p.PID), zap.Time("start", p.Start), zap.String("id", p.ID)))
	l := base.With(zap.String("request_id", benchRequestID), zap.String("trace_id", benchTraceID), zap.String("span_id", benchSpanID))
	b.ReportAllocs()
	for b.Loop() {
		l.Info("order placed", zap.String("order", "ord-7f3a"), zap.Int("items", 3), zap.Int("total_cents", 12999), zap.String("currency", "EUR"))
	}
}

func BenchmarkLogZerolog(b *testing.B) {
	p := reqid.Process()
	base := zerolog.New(io.Discard).With().Timestamp().
		Dict("process", zerolog.Dict().Str("service", p.Service).Str("version", p.Version).Str("host", p.Host).
			Int("pid", p.PID).Time("start", p.Start).Str("id", p.ID)).Logger()
	rl := base.With().Str("request_id", benchRequestID).Str("trace_id", benchTraceID).Str("span_id", benchSpanID).Logger()
	ctx := rl.WithContext(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		zerolog.Ctx(ctx).Info().Str("order", "ord-7f3a").Int("items", 3).Int("total_cents", 12999).Str("currency", "EUR").Msg("order placed")
	}
}

// pairedLogRatio reports, as x-bare, the cost of logging the record through
// cand relative to slog's bare JSON handler, measured in alternating
// stretches.
func pairedLogRatio(b *testing.B, cand *slog.Logger) {
	bare := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ctx := logContext(b)
	b.ReportAllocs()
	b.ReportMetric(benchmetric.PairedRatio(b, func() { logOrder(ctx, bare) }, func() { logOrder(ctx, cand) }), "x-bare")
}

// BenchmarkLogVitalsRatio reports the handler's cost relative to the bare
// JSON handler (x-bare), measured in alternating stretches; target <= 1.1.
func BenchmarkLogVitalsRatio(b *testing.B) {
	pairedLogRatio(b, slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil)))
}

// BenchmarkLogVitalsJSONRatio is BenchmarkLogVitalsRatio with vitals' JSON
// handler inside NewHandler: below 1 when the request fields cost less than
// the encoding saves.
func BenchmarkLogVitalsJSONRatio(b *testing.B) {
	pairedLogRatio(b, slog.New(vlog.NewHandler(vlog.NewJSONHandler(io.Discard, nil), nil)))
}
