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

	"github.com/vitals-go/vitals/internal/benchmetric"
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
	req := benchRequest()
	return testing.AllocsPerRun(200, func() { h.ServeHTTP(httptest.NewRecorder(), req) })
}

func TestServerStackAllocationBudget(t *testing.T) {
	skipUnderRace(t)
	h, err := middleware.New(bare, middleware.ServerConfig{
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

// TestTransportAllocationBudget: a logged call with the default timeout
// and the request ID header costs one allocation for the copy of the
// request with the header's value, the deadline context and the body
// wrapper, and two for the copied header map. Over a base that watches the
// context as http.Transport does, the deadline adds four: its channel, and
// the hook that cancels the derived context (package context's closure and
// stop wrapper, and our stop function); its timer comes from a pool.
func TestTransportAllocationBudget(t *testing.T) {
	skipUnderRace(t)
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
	over := func(base http.RoundTripper, ctx context.Context) float64 {
		rt := newTransport(t, base, middleware.ClientConfig{
			Logger: log.New(log.Options{Writer: io.Discard}),
			Stats:  stats.Discard,
		})
		return allocs(rt, ctx) - allocs(base, ctx)
	}
	unwatched, watching := benchmetric.CannedTransport{}, benchmetric.CannedTransport{Watch: true}
	assert.LessOrEqual(t, over(unwatched, ctx), 3.0)
	assert.LessOrEqual(t, over(watching, ctx), 7.0)
	soon, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	assert.LessOrEqual(t, over(watching, soon), 3.0, "the caller's deadline is sooner than the default 30 s: none of ours")
}
