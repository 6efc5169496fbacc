package middleware_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/middleware"
)

func TestTraceWrapsOtelhttpOutsideSoRecordsCarryTheTraceIDs(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })

	sink := &logSink{}
	logger := sink.logger()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "inside")
	})
	srv, _ := newServer(t, mux, middleware.Config{
		AccessLog:    middleware.AccessLogConfig{Logger: logger},
		Trace:        "api",
		TraceOptions: []otelhttp.Option{otelhttp.WithTracerProvider(tp)},
	})
	get(t, srv.URL+"/orders/9")

	rec := sink.wait(t, "request", 1)[0]
	inner := sink.wait(t, "inside", 1)[0]
	require.Eventually(t, func() bool { return len(spans.Ended()) == 1 }, 5e9, 5e6)
	span := spans.Ended()[0]
	assert.Equal(t, "GET /orders/{id}", span.Name(), "the span is renamed after the route")
	assert.Contains(t, span.Attributes(), attribute.String("http.route", "GET /orders/{id}"))
	assert.Equal(t, span.SpanContext().TraceID().String(), rec["trace_id"])
	assert.Equal(t, span.SpanContext().SpanID().String(), rec["span_id"])
	assert.Equal(t, span.SpanContext().TraceID().String(), inner["trace_id"])
}

func TestTransportOverOtelhttpPropagatesTheTrace(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	seen := make(chan string, 1)
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Traceparent")
	}))

	base := otelhttp.NewTransport(nil, otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}))
	sink := &logSink{}
	c := &http.Client{Transport: middleware.Transport(base, middleware.TransportOptions{Logger: sink.logger()})}
	ctx, parent := tp.Tracer("test").Start(t.Context(), "caller")
	_, err := call(t, c, ctx, srv.URL)
	require.NoError(t, err)
	parent.End()

	assert.Contains(t, <-seen, parent.SpanContext().TraceID().String())
	rec := sink.wait(t, "outbound request", 1)[0]
	assert.Equal(t, parent.SpanContext().TraceID().String(), rec["trace_id"])
}

// TestTraceNeedsAProviderAndAPropagator backs Config.Trace's doc: with the
// global defaults (no provider, no propagator) records carry no trace IDs;
// with a provider alone the span starts a new trace, ignoring the inbound
// traceparent; with both it continues the caller's trace.
func TestTraceNeedsAProviderAndAPropagator(t *testing.T) {
	const inboundTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	traceparent := "00-" + inboundTrace + "-00f067aa0ba902b7-01"
	serve := func(opts ...otelhttp.Option) logtest.Record {
		sink := &logSink{}
		srv, _ := newServer(t, http.NotFoundHandler(), middleware.Config{
			AccessLog: middleware.AccessLogConfig{Logger: sink.logger()}, Trace: "api", TraceOptions: opts,
		})
		get(t, srv.URL, "Traceparent", traceparent)
		return sink.wait(t, "request", 1)[0]
	}
	assert.NotContains(t, serve(), "trace_id", "the global no-op provider records nothing")

	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	alone := serve(otelhttp.WithTracerProvider(tp))
	require.Contains(t, alone, "trace_id")
	assert.NotEqual(t, inboundTrace, alone["trace_id"], "without a propagator the inbound traceparent is ignored")

	both := serve(otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}))
	assert.Equal(t, inboundTrace, both["trace_id"])
}
