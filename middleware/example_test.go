package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/vitals-go/vitals/errctx"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
)

// A service behind the recommended stack: request IDs, one JSON record per
// request (with request_id and trace IDs), panic recovery, stats and spans.
func Example() {
	slog.SetDefault(vlog.New(vlog.Options{})) // JSON to stderr
	// Trace IDs need a provider; following an inbound traceparent needs a
	// propagator too (both are no-ops by default).
	otel.SetTracerProvider(sdktrace.NewTracerProvider()) // add an exporter: sdktrace.WithBatcher(exp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		// This record carries request_id, method and route.
		slog.InfoContext(r.Context(), "greeting", "name", r.PathValue("name"))
		fmt.Fprintf(w, "hello %s\n", r.PathValue("name"))
	})
	h, err := middleware.New(mux, middleware.Config{
		Trace:     "hello", // otelhttp span around the stack
		AccessLog: middleware.AccessLogConfig{Skip: middleware.SkipSucceeded("/healthz")},
	})
	if err != nil {
		panic(err)
	}
	_ = http.ListenAndServe("127.0.0.1:8080", h)
}

// New on a mux; the access record is printed without its volatile fields.
func ExampleNew() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", r.PathValue("name"))
	})
	h, err := middleware.New(mux, middleware.Config{AccessLog: middleware.AccessLogConfig{Logger: stableLogger()}})
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/hello/ann?token=x", nil)
	req.Header.Set("X-Request-ID", "from-the-edge-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("X-Request-ID"))
	// Output:
	// level=INFO msg=request method=GET path=/hello/ann status=200 bytes=10 user_agent="" route="GET /hello/{name}" request_id=from-the-edge-1
	// 200 from-the-edge-1
}

// A client whose calls carry the caller's request ID, are logged and
// counted, go through a breaker per host and time out after 30 s.
func ExampleTransport() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "request ID seen by the API:", r.Header.Get("X-Request-ID"))
	}))
	defer api.Close()

	client := &http.Client{Transport: middleware.Transport(nil, middleware.TransportOptions{Logger: stableLogger()})}
	ctx := reqid.With(context.Background(), "checkout-42") // in a handler: r.Context()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api.URL+"/stock/7", nil)
	resp, err := client.Do(req)
	if err != nil {
		var e *errctx.Error // inside http.Client's *url.Error
		if errors.As(err, &e) {
			err = e // logs as a group: attempted, class, remedy
		}
		slog.ErrorContext(ctx, "stock lookup failed", "error", err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	// Output:
	// level=INFO msg="outbound request" method=GET path=/stock/7 status=200
	// request ID seen by the API: checkout-42
}

// stableLogger prints records as text without the fields that change from
// run to run, so examples have stable output.
func stableLogger() *slog.Logger {
	volatile := map[string]bool{slog.TimeKey: true, "duration": true, "remote_addr": true, "host": true}
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if volatile[a.Key] {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// Routed around the mux: an auth middleware that replaces the request
// (r.WithContext) no longer hides the route from the record.
func ExampleRouted() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", r.PathValue("name"))
	})
	type userKey struct{}
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, "ann")))
		})
	}
	h, err := middleware.New(auth(middleware.Routed(mux)), middleware.Config{AccessLog: middleware.AccessLogConfig{Logger: stableLogger()}})
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/hello/ann", nil)
	req.Header.Set("X-Request-ID", "from-the-edge-2")
	h.ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// level=INFO msg=request method=GET path=/hello/ann status=200 bytes=10 user_agent="" route="GET /hello/{name}" request_id=from-the-edge-2
}
