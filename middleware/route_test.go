package middleware_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

type tenantKey struct{}

// tenant is an ordinary inner middleware: it replaces the request with
// r.WithContext before routing.
func tenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tenantKey{}, "acme")))
	})
}

// TestRouteSurvivesAnInnerMiddlewareThatReplacesTheRequest: with the mux
// wrapped in Routed, the span, the handler's records, the access record
// and the stats name the route the mux matched, although the mux set the
// pattern on a request the stack never saw.
func TestRouteSurvivesAnInnerMiddlewareThatReplacesTheRequest(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	sink := &logSink{}
	logger := sink.logger()
	st := statstest.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "acme", r.Context().Value(tenantKey{}))
		logger.InfoContext(r.Context(), "inside")
	})
	srv, _ := newServer(t, tenant(middleware.Routed(mux)), middleware.ServerConfig{
		AccessLog:    middleware.AccessLogConfig{Logger: logger},
		Stats:        middleware.StatsConfig{Emitter: st},
		Trace:        true,
		TraceOptions: []otelhttp.Option{otelhttp.WithTracerProvider(tp)},
	})
	get(t, srv.URL+"/users/7")

	const route = "GET /users/{id}"
	assert.Equal(t, route, sink.wait(t, "request", 1)[0]["route"])
	assert.Equal(t, route, sink.wait(t, "inside", 1)[0]["route"], "a record logged after the mux matched")
	assert.EqualValues(t, 1, st.Counted(middleware.StatServerRequests, stats.T("route", route), stats.T("status", "2xx")), "%v", st.Series())
	require.Eventually(t, func() bool { return len(spans.Ended()) == 1 }, 5e9, 5e6)
	span := spans.Ended()[0]
	assert.Equal(t, route, span.Name())
	assert.Contains(t, span.Attributes(), attribute.String("http.route", route))
}

// TestRouteSurvivesThroughThePiecesAlone: the pieces used separately,
// each with its own writer, learn the route from Routed too.
func TestRouteSurvivesThroughThePiecesAlone(t *testing.T) {
	sink := &logSink{}
	logger := sink.logger()
	st := statstest.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "inside")
	})
	h, err := middleware.Stats(tenant(middleware.Routed(mux)), middleware.StatsConfig{Emitter: st})
	require.NoError(t, err)
	h, err = middleware.AccessLog(h, middleware.AccessLogConfig{Logger: logger})
	require.NoError(t, err)
	h, err = middleware.RequestID(h, middleware.RequestIDConfig{})
	require.NoError(t, err)
	get(t, newPlainServer(t, h).URL+"/orders/1")

	const route = "GET /orders/{id}"
	assert.Equal(t, route, sink.wait(t, "request", 1)[0]["route"])
	assert.Equal(t, route, sink.wait(t, "inside", 1)[0]["route"])
	assert.EqualValues(t, 1, st.Counted(middleware.StatServerRequests, stats.T("route", route), stats.T("status", "2xx")), "%v", st.Series())
}

// TestUnmatchedMeansNoPatternMatched: behind Routed, a request no pattern
// matched is still tagged UnmatchedRoute and logged without a route.
func TestUnmatchedMeansNoPatternMatched(t *testing.T) {
	sink := &logSink{}
	st := statstest.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(http.ResponseWriter, *http.Request) {})
	srv, _ := newServer(t, tenant(middleware.Routed(mux)), middleware.ServerConfig{
		AccessLog: middleware.AccessLogConfig{Logger: sink.logger()},
		Stats:     middleware.StatsConfig{Emitter: st},
	})
	get(t, srv.URL+"/nothing/here")
	rec := sink.Wait(t, logtest.Msg("request"), 1)[0]
	assert.NotContains(t, rec, "route")
	assert.EqualValues(t, 1, st.Counted(middleware.StatServerRequests, stats.T("route", middleware.UnmatchedRoute), stats.T("status", "4xx")))
}

// unwrappingWriter is an inner middleware's writer that keeps Unwrap, as
// http.ResponseController asks.
type unwrappingWriter struct{ http.ResponseWriter }

func (w unwrappingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestRoutedFindsThePiecesThroughWrappedWritersAndWorksAlone: Routed
// reaches the pieces through a writer that keeps Unwrap, and without any
// piece outside it only serves the router.
func TestRoutedFindsThePiecesThroughWrappedWritersAndWorksAlone(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(r.PathValue("id"))) })
	wrapping := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		middleware.Routed(mux).ServeHTTP(unwrappingWriter{w}, r.WithContext(context.WithValue(r.Context(), tenantKey{}, "x")))
	})
	srv, sink := newServer(t, wrapping, middleware.ServerConfig{})
	get(t, srv.URL+"/items/3")
	assert.Equal(t, "GET /items/{id}", sink.wait(t, "request", 1)[0]["route"])

	resp, body := get(t, newPlainServer(t, middleware.Routed(mux)).URL+"/items/4")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "4", body)
}

// TestRouteNotFrozenByRecordsBeforeTheMux: records logged through the
// request's context before the mux ran (an auth middleware's) say no
// route, and do not freeze it: the handler's records after the mux, and
// the access record, name the route the mux matched.
func TestRouteNotFrozenByRecordsBeforeTheMux(t *testing.T) {
	sink := &logSink{}
	logger := sink.logger()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "inside")
		logger.InfoContext(r.Context(), "inside")
	})
	auth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "auth")
		logger.InfoContext(r.Context(), "auth")
		mux.ServeHTTP(w, r)
	})
	srv, _ := newServer(t, auth, middleware.ServerConfig{AccessLog: middleware.AccessLogConfig{Logger: logger}})
	get(t, srv.URL+"/users/7")

	const route = "GET /users/{id}"
	for _, rec := range sink.wait(t, "auth", 2) {
		assert.Empty(t, rec["route"], "no route before the mux")
	}
	for _, rec := range sink.wait(t, "inside", 2) {
		assert.Equal(t, route, rec["route"], "a record logged after the mux matched")
	}
	assert.Equal(t, route, sink.wait(t, "request", 1)[0]["route"])
}
