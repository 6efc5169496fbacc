package middleware_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/retry"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// countingServer counts the requests that reach it.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	hits := new(atomic.Int64)
	srv := newPlainServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	return srv, hits
}

// touchyTransport returns a transport whose breakers open after one
// failure, for an hour, counting to rec.
func touchyTransport(t *testing.T, rec *statstest.Recorder) (*middleware.Transport, *logSink) {
	t.Helper()
	sink := &logSink{}
	tr, err := middleware.NewTransport(nil, middleware.ClientConfig{Logger: sink.logger(), Stats: rec,
		BreakerConfig: func(string) breaker.Config { return breaker.Config{ConsecutiveFailures: 1, OpenDuration: time.Hour} }})
	require.NoError(t, err)
	return tr, sink
}

// TestTransportRequestsNetHTTPRefusesAreTheCallersError: requests net/http
// refuses before sending a byte are Permanent errors, never reach the
// host's breaker (a healthy host stays reachable for everyone), are logged
// at WARN and counted as unsent but not timed; RoundTrip with a nil URL
// returns an error instead of panicking.
func TestTransportRequestsNetHTTPRefusesAreTheCallersError(t *testing.T) {
	srv, hits := countingServer(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	rec := statstest.New()
	tr, sink := touchyTransport(t, rec)

	get := func(mutate func(*http.Request)) *http.Request {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/x", nil)
		require.NoError(t, err)
		mutate(req)
		return req
	}
	bad := map[string]*http.Request{
		"header value with a line break": get(func(r *http.Request) { r.Header.Set("X-Note", "a\r\nX-Evil: 1") }),
		"header name with a space":       get(func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} }),
		"method that is not a token":     get(func(r *http.Request) { r.Method = "GE T" }),
		"invalid Host":                   get(func(r *http.Request) { r.Host = "a b" }),
		"nil Header":                     get(func(r *http.Request) { r.Header = nil }),
		"no host in the URL":             get(func(r *http.Request) { r.URL.Host = "" }),
		"nil URL":                        {Method: http.MethodGet, Header: http.Header{}},
		"unsupported URL scheme":         get(func(r *http.Request) { r.URL.Scheme = "ftp" }),
		"trailer value with a line break": get(func(r *http.Request) {
			r.Trailer = http.Header{"X-Sum": {"a\r\nX-Evil: 1"}}
		}),
	}
	for name, req := range bad {
		var err error
		require.NotPanics(t, func() { _, err = tr.RoundTrip(req) }, name)
		require.Error(t, err, name)
		assert.NotErrorIs(t, err, breaker.ErrOpen, name)
		assert.Equal(t, errctx.Permanent, errctx.ClassOf(err), name)
		assert.Contains(t, err.Error(), "refused before sending", name)
		require.NotEmpty(t, errctx.RemediesOf(err), name)
		assert.Contains(t, errctx.RemediesOf(err)[0], "never sent", name)
	}
	assert.Zero(t, hits.Load())

	attempts := 0
	err := retry.Do(t.Context(), retry.Policy{Name: "unsent", Attempts: 3, Base: time.Millisecond, Logger: slog.New(slog.DiscardHandler)},
		func(context.Context) error {
			attempts++
			_, err := tr.RoundTrip(get(func(r *http.Request) { r.URL.Scheme = "ftp" }))
			return err
		})
	require.Error(t, err)
	assert.Equal(t, 1, attempts, "a request never sent fails the same way again: never retried")

	resp, err := (&http.Client{Transport: tr}).Get(srv.URL + "/x")
	require.NoError(t, err, "the host's breaker counted none of the caller's mistakes")
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, breaker.Closed, tr.Breaker(host).State())

	unsent := rec.Counted(middleware.StatClientRequests, stats.T("host", host), stats.T("status", "unsent")) +
		rec.Counted(middleware.StatClientRequests, stats.T("host", middleware.OtherHost), stats.T("status", "unsent"))
	assert.EqualValues(t, len(bad)+1, unsent, "the bad requests and the one retry.Do made")
	assert.Empty(t, rec.Timings(middleware.StatClientDuration, stats.T("host", host), stats.T("status", "unsent")), "nothing was sent, nothing to time")

	recs := sink.wait(t, "outbound request", len(bad)+2)
	assert.Len(t, logtest.Filter(recs, logtest.Level("WARN")), len(bad)+1)
	for _, r := range logtest.Filter(recs, logtest.Level("WARN")) {
		msg, _ := r.Group("error")["message"].(string)
		assert.Contains(t, msg, "refused before sending")
		assert.NotContains(t, msg, "\r", "the refused value is quoted")
	}
}

// TestTransportCallerContextOverBeforeSending: a call whose caller's
// context is already over is never sent and never counts against the host.
func TestTransportCallerContextOverBeforeSending(t *testing.T) {
	srv, hits := countingServer(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	rec := statstest.New()
	tr, sink := touchyTransport(t, rec)
	c := &http.Client{Transport: tr}

	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	for _, ctx := range []context.Context{expired, expired, cancelled} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		require.NoError(t, err)
		_, err = tr.RoundTrip(req)
		require.Error(t, err)
		assert.NotErrorIs(t, err, breaker.ErrOpen)
		assert.ErrorIs(t, err, ctx.Err())
	}
	resp, err := c.Get(srv.URL)
	require.NoError(t, err, "the breaker never saw the calls that were not sent")
	require.NoError(t, resp.Body.Close())
	assert.EqualValues(t, 1, hits.Load())
	assert.EqualValues(t, 3, rec.Counted(middleware.StatClientRequests, stats.T("host", host), stats.T("status", "unsent")))

	recs := sink.wait(t, "outbound request", 4)
	assert.Equal(t, []string{"WARN", "WARN", "INFO", "INFO"}, levels(recs), "a deadline already past is refused; a cancellation is the caller's decision")
}

// TestTransportCallerCancelIsNotAnError: a call its caller cancels
// mid-flight is logged at INFO (as middleware/grpcmw logs one), classed
// NotAFailure, counted as cancelled and not reported to the breaker.
func TestTransportCallerCancelIsNotAnError(t *testing.T) {
	started := make(chan struct{}, 1)
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
	}))
	host := strings.TrimPrefix(srv.URL, "http://")
	rec := statstest.New()
	tr, sink := touchyTransport(t, rec)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := call(t, &http.Client{Transport: tr}, ctx, srv.URL)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, errctx.NotAFailure, errctx.ClassOf(err))
	assert.Equal(t, breaker.Closed, tr.Breaker(host).State())
	assert.EqualValues(t, 1, rec.Counted(middleware.StatClientRequests, stats.T("host", host), stats.T("status", "cancelled")))

	r := sink.wait(t, "outbound request", 1)[0]
	assert.Equal(t, "INFO", r["level"])
	assert.NotEmpty(t, r["error"])
}

func levels(recs []logtest.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Str("level")
	}
	return out
}
