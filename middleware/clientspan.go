package middleware

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/trace"
)

// withClientSpan returns the context to log a call that got resp with:
// ctx, the caller's, carrying instead of its span the client span that a
// base transport such as otelhttp made for the call, which the request the
// base sent (resp.Request) holds. When the base sent out itself (no span
// could have been made between) or holds no other valid span, ctx as it
// is, at the cost of a pointer comparison.
func withClientSpan(ctx context.Context, out *http.Request, resp *http.Response) context.Context {
	sent := resp.Request
	if sent == nil || sent == out {
		return ctx
	}
	sc := trace.SpanContextFromContext(sent.Context())
	if !sc.IsValid() || sc.Equal(trace.SpanContextFromContext(ctx)) {
		return ctx
	}
	return trace.ContextWithSpanContext(ctx, sc)
}
