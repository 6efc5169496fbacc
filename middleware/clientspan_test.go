package middleware_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
)

// TestTransportRecordCarriesTheClientSpan: over otelhttp, the record of a
// call carries the client span whose traceparent the host received, with
// or without a caller span, and keeps the caller's request ID.
func TestTransportRecordCarriesTheClientSpan(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	seen := make(chan string, 2)
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Traceparent")
	}))
	base := otelhttp.NewTransport(nil, otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}))
	sink := &logSink{}
	c := &http.Client{Transport: middleware.Transport(base, middleware.TransportOptions{Logger: sink.logger()})}

	// A background job: no caller span.
	_, err := call(t, c, reqid.With(context.Background(), "job-1"), srv.URL)
	require.NoError(t, err)
	// A handler: the caller has a span.
	ctx, parent := tp.Tracer("test").Start(reqid.With(context.Background(), "req-2"), "caller")
	_, err = call(t, c, ctx, srv.URL)
	require.NoError(t, err)
	parent.End()

	recs := sink.wait(t, "outbound request", 2)
	var clients []sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if s.SpanKind() == trace.SpanKindClient {
			clients = append(clients, s)
		}
	}
	require.Len(t, clients, 2)
	for i, want := range []string{"job-1", "req-2"} {
		sc := clients[i].SpanContext()
		assert.Contains(t, <-seen, sc.SpanID().String(), "the host received the client span")
		assert.Equal(t, sc.TraceID().String(), recs[i]["trace_id"], want)
		assert.Equal(t, sc.SpanID().String(), recs[i]["span_id"], want)
		assert.Equal(t, want, recs[i]["request_id"], "the caller's context is kept")
	}
	assert.Equal(t, parent.SpanContext().TraceID(), clients[1].SpanContext().TraceID(), "the client span is the caller's child")
	assert.NotEqual(t, parent.SpanContext().SpanID().String(), recs[1]["span_id"], "the record names the client span, not the caller's")
}
