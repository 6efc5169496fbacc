package middleware_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

// The budgets, checked as allocation counts (times are in the
// benchmarks): the server stack adds at most 8 allocations per request over
// a bare handler, logging its access record through a vitals logger. The
// tests hold the counts reached, so that a regression shows.

func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
}

func serveAllocs(h http.Handler) float64 {
	req := httptest.NewRequest(http.MethodGet, "/users/42", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("User-Agent", "bench")
	return testing.AllocsPerRun(200, func() { h.ServeHTTP(httptest.NewRecorder(), req) })
}

func TestServerStackAllocationBudget(t *testing.T) {
	skipUnderRace(t)
	h, err := middleware.New(bare, middleware.Config{
		AccessLog: middleware.AccessLogConfig{Logger: log.New(log.Options{Writer: io.Discard})},
		Stats:     middleware.StatsConfig{Emitter: stats.Discard},
	})
	require.NoError(t, err)
	// The budget is 8; the stack takes 6: the response-writer
	// wrapper with the request copy 1, reqid.New 1, reqid.With 2,
	// log.WithAttrs 1, the access record's attributes past the fifth 1.
	assert.LessOrEqual(t, serveAllocs(h)-serveAllocs(bare), 6.0)
}

// TestHandlerLogsFromItsContextCheaply: a record the handler logs with the
// request's context (method and route from the middleware, request_id)
// costs no more than the same record with a bare context, once the context
// has been seen, and an outbound call's record, which sets its own method,
// costs at most one allocation.
func TestHandlerLogsFromItsContextCheaply(t *testing.T) {
	skipUnderRace(t)
	var allocs, outbound float64
	logger := log.New(log.Options{Writer: io.Discard})
	h, err := middleware.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		logger.LogAttrs(ctx, slog.LevelInfo, "first")
		logger.LogAttrs(ctx, slog.LevelInfo, "second")
		allocs = testing.AllocsPerRun(50, func() { logger.LogAttrs(ctx, slog.LevelInfo, "loaded", slog.Int("n", 3)) })
		outbound = testing.AllocsPerRun(50, func() {
			logger.LogAttrs(ctx, slog.LevelInfo, "outbound request", slog.String("method", "POST"),
				slog.String("host", "api"), slog.String("path", "/x"), slog.Int("status", 200))
		})
	}), middleware.RequestIDConfig{})
	require.NoError(t, err)
	req := httptest.NewRequestWithContext(reqid.With(context.Background(), "x"), http.MethodGet, "/users/42", nil)
	h.ServeHTTP(httptest.NewRecorder(), req)
	assert.Zero(t, allocs)
	assert.LessOrEqual(t, outbound, 1.0)
}

// cannedRT answers every call at once.
type cannedRT struct{}

func (cannedRT) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: http.NoBody, Header: http.Header{}}, nil
}

// TestTransportAllocationBudget: a logged call with the default timeout
// and the request ID header costs the deadline context (4, the standard
// library's), one copy of the request with the header's value and the body
// wrapper (1), and the copied header map (2); a call under a sooner
// deadline of the caller's skips the first four.
func TestTransportAllocationBudget(t *testing.T) {
	skipUnderRace(t)
	rt := middleware.Transport(cannedRT{}, middleware.TransportOptions{
		Logger: log.New(log.Options{Writer: io.Discard}),
		Stats:  stats.Discard,
	})
	ctx := reqid.With(context.Background(), reqid.New())
	allocs := func(rt http.RoundTripper, ctx context.Context) float64 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.internal:8080/users/42", nil)
		require.NoError(t, err)
		return testing.AllocsPerRun(200, func() {
			resp, err := rt.RoundTrip(req)
			require.NoError(t, err)
			resp.Body.Close()
		})
	}
	base := allocs(cannedRT{}, ctx)
	assert.LessOrEqual(t, allocs(rt, ctx)-base, 7.0)
	soon, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	assert.LessOrEqual(t, allocs(rt, soon)-base, 3.0, "the caller's deadline is sooner than the default 30 s")
}
