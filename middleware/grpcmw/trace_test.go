package grpcmw_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/stats"
)

// TestOtelgrpc checks that otelgrpc's stats handlers run outside the
// interceptors: the server's records carry the server span's IDs, the
// client's the caller's trace, and one trace links them.
func TestOtelgrpc(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	traceOpts := []otelgrpc.Option{otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(propagation.TraceContext{})}

	var serverLogs, clientLogs logSink
	srv := newServer(t, grpcmw.ServerConfig{Logger: serverLogs.logger(), Stats: stats.Discard, Trace: true, TraceOptions: traceOpts})
	addr := startServer(t, serverLogs.logger(), srv.ServerOptions()...)
	cli := newClient(t, grpcmw.ClientConfig{Logger: clientLogs.logger(), Stats: stats.Discard, Trace: true, TraceOptions: traceOpts})
	cc := dial(t, addr, cli.DialOptions()...)

	ctx, caller := tp.Tracer("test").Start(t.Context(), "caller")
	_, err := callUnary(ctx, cc, "log")
	require.NoError(t, err)
	_, err = callUnary(ctx, cc, "panic")
	require.Equal(t, codes.Internal, status.Code(err))
	caller.End()

	var server sdktrace.ReadOnlySpan
	require.Eventually(t, func() bool {
		for _, s := range spans.Ended() {
			if s.SpanKind() == trace.SpanKindServer && s.Name() == "vitals.test.Echo/Unary" {
				server = s
				return true
			}
		}
		return false
	}, 5*second, millisecond)
	traceID := caller.SpanContext().TraceID().String()
	assert.Equal(t, traceID, server.SpanContext().TraceID().String(), "one trace from caller to server")

	for _, msg := range []string{"request", "inside the handler", "request panicked"} {
		r := serverLogs.waitRecords(t, msg, 1)[0]
		assert.Equal(t, traceID, r["trace_id"], msg)
		assert.NotEmpty(t, r["span_id"], msg)
		assert.NotEqual(t, caller.SpanContext().SpanID().String(), r["span_id"], "%s: the server span's, not the caller's", msg)
	}
	first := serverLogs.records(t, "request")[0]
	assert.Equal(t, server.SpanContext().SpanID().String(), first["span_id"])

	for _, r := range clientLogs.waitRecords(t, "outbound request", 2) {
		assert.Equal(t, traceID, r["trace_id"])
		assert.Equal(t, caller.SpanContext().SpanID().String(), r["span_id"], "the client interceptor runs before otelgrpc's client span")
	}
}

// TestOtelgrpcWithoutAPropagatorStartsANewTrace backs ServerConfig.Trace's
// doc: with a provider but no propagator, the server ignores the caller's
// traceparent and its records carry a trace of their own.
func TestOtelgrpcWithoutAPropagatorStartsANewTrace(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	var serverLogs logSink
	srv := newServer(t, grpcmw.ServerConfig{Logger: serverLogs.logger(), Stats: stats.Discard, Trace: true,
		TraceOptions: []otelgrpc.Option{otelgrpc.WithTracerProvider(tp)}})
	addr := startServer(t, serverLogs.logger(), srv.ServerOptions()...)
	cli := newClient(t, grpcmw.ClientConfig{Stats: stats.Discard, Trace: true,
		TraceOptions: []otelgrpc.Option{otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(propagation.TraceContext{})}})
	cc := dial(t, addr, cli.DialOptions()...)

	ctx, caller := tp.Tracer("test").Start(t.Context(), "caller")
	_, err := callUnary(ctx, cc, "log")
	require.NoError(t, err)
	caller.End()
	r := serverLogs.waitRecords(t, "request", 1)[0]
	require.Contains(t, r, "trace_id")
	assert.NotEqual(t, caller.SpanContext().TraceID().String(), r["trace_id"])
}
