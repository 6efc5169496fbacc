package middleware

import (
	"context"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Trace wraps next in otelhttp.NewHandler. Put it outermost, around [New]'s
// stack or the pieces, so the span is in the context before they log and
// every record carries trace_id and span_id. The pieces inside rename the
// span after the matched route and set its http.route attribute once the
// mux has matched (otelhttp starts the span before routing). otelhttp
// takes the global TracerProvider and propagator unless opts name them; see
// Config.Trace for what each one is needed for.
func Trace(next http.Handler, operation string, opts ...otelhttp.Option) http.Handler {
	return otelhttp.NewHandler(next, operation, opts...)
}

// nameSpan names the request's span after its route, when a span is
// recording and a route matched.
func nameSpan(ctx context.Context, route string) {
	if route == "" {
		return
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetName(route)
		span.SetAttributes(attribute.String("http.route", route))
	}
}
