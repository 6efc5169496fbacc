package middleware_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// client returns an http.Client over Transport(opts) logging to the sink.
func client(t *testing.T, opts middleware.ClientConfig) (*http.Client, *logSink) {
	t.Helper()
	sink := &logSink{}
	if opts.Logger == nil {
		opts.Logger = sink.logger()
	}
	tr, err := middleware.NewTransport(nil, opts)
	require.NoError(t, err)
	return &http.Client{Transport: tr}, sink
}

func call(t *testing.T, c *http.Client, ctx context.Context, url string, header ...string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestTransportPropagatesTheRequestIDAndNeverMutatesTheRequest(t *testing.T) {
	seen := make(chan string, 10)
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("X-Request-ID")
	}))
	c, sink := client(t, middleware.ClientConfig{})

	ctx := reqid.With(context.Background(), "req-42.a")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/users/7?x=1", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/json")
	before := req.Header.Clone()
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "req-42.a", <-seen)
	assert.Equal(t, before, req.Header, "the caller's headers are untouched")
	assert.Equal(t, ctx, req.Context(), "the caller's request keeps its context")

	rec := sink.wait(t, "outbound request", 1)[0]
	assert.Equal(t, "INFO", rec["level"])
	assert.Equal(t, "GET", rec["method"])
	assert.Equal(t, strings.TrimPrefix(srv.URL, "http://"), rec["host"])
	assert.Equal(t, "/users/7", rec["path"])
	assert.EqualValues(t, 200, rec["status"])
	assert.Contains(t, rec, "duration")
	assert.Equal(t, "req-42.a", rec["request_id"])

	_, err = call(t, c, reqid.With(context.Background(), "bad id\n"), srv.URL)
	require.NoError(t, err)
	assert.Empty(t, <-seen, "an invalid ID in the context is not sent")

	_, err = call(t, c, ctx, srv.URL, "X-Request-ID", "callers-own")
	require.NoError(t, err)
	assert.Equal(t, "callers-own", <-seen, "a header the caller set is left alone")
}

func TestTransportCountsByHostAndStatusClass(t *testing.T) {
	srv := newPlainServer(t, http.NotFoundHandler())
	rec := statstest.New()
	c, _ := client(t, middleware.ClientConfig{Stats: rec})
	for range 3 {
		_, err := call(t, c, context.Background(), srv.URL)
		require.NoError(t, err)
	}
	host := stats.T("host", strings.TrimPrefix(srv.URL, "http://"))
	assert.EqualValues(t, 3, rec.Counted(middleware.StatClientRequests, host, stats.T("status", "4xx")))
	assert.Len(t, rec.Timings(middleware.StatClientDuration, host, stats.T("status", "4xx")), 3)
}

func TestTransportBreakerOpensOnAFailingDownstreamAndRecovers(t *testing.T) {
	var failing atomic.Bool
	var hits atomic.Int64
	failing.Store(true)
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	c, sink := client(t, middleware.ClientConfig{BreakerConfig: func(host string) breaker.Config {
		return breaker.Config{Name: "downstream", ConsecutiveFailures: 3, OpenDuration: 50 * time.Millisecond}
	}})

	for range 3 {
		resp, err := call(t, c, context.Background(), srv.URL+"/work")
		require.NoError(t, err, "a 5xx is a response, returned to the caller")
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	}
	_, err := call(t, c, context.Background(), srv.URL+"/work")
	require.Error(t, err)
	assert.ErrorIs(t, err, breaker.ErrOpen)
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err))
	assert.Contains(t, errctx.AttemptedOf(err), "GET "+strings.TrimPrefix(srv.URL, "http://")+"/work")
	assert.EqualValues(t, 3, hits.Load(), "the open breaker kept the call off the wire")

	warn := sink.wait(t, "outbound request", 4)
	assert.Equal(t, "WARN", warn[0]["level"])
	assert.NotEmpty(t, warn[0]["remedy"])
	assert.Equal(t, "DEBUG", warn[3]["level"], "the rejected call: the breaker's transition announced it")

	failing.Store(false)
	require.Eventually(t, func() bool {
		resp, err := call(t, c, context.Background(), srv.URL+"/work")
		return err == nil && resp.StatusCode == http.StatusOK
	}, 5*time.Second, 10*time.Millisecond, "the breaker lets a probe through and closes")
	tr := c.Transport.(*middleware.Transport)
	assert.Equal(t, breaker.Closed, tr.Breaker(strings.TrimPrefix(srv.URL, "http://")).State())
}

func TestTransportBreakerCountsOnly5xxAnd429(t *testing.T) {
	var status atomic.Int64
	status.Store(http.StatusNotFound)
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
	}))
	c, _ := client(t, middleware.ClientConfig{BreakerConfig: func(string) breaker.Config {
		return breaker.Config{ConsecutiveFailures: 2, OpenDuration: time.Hour}
	}})
	for range 5 {
		_, err := call(t, c, context.Background(), srv.URL)
		require.NoError(t, err, "4xx answers are not failures")
	}
	status.Store(http.StatusTooManyRequests)
	for range 2 {
		_, err := call(t, c, context.Background(), srv.URL)
		require.NoError(t, err)
	}
	_, err := call(t, c, context.Background(), srv.URL)
	assert.ErrorIs(t, err, breaker.ErrOpen, "429s tripped it")
}

func TestTransportTimeoutIsIndeterminate(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	c, sink := client(t, middleware.ClientConfig{Timeout: 50 * time.Millisecond})
	_, err := call(t, c, context.Background(), srv.URL+"/slow")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err))
	assert.Equal(t, []string{"GET " + strings.TrimPrefix(srv.URL, "http://") + "/slow"}, errctx.AttemptedOf(err))
	require.NotEmpty(t, errctx.RemediesOf(err))
	assert.Contains(t, errctx.RemediesOf(err)[0], "ClientConfig.Timeout")

	rec := sink.wait(t, "outbound request", 1)[0]
	assert.Equal(t, "ERROR", rec["level"])
	assert.NotEmpty(t, rec["error"])
	assert.NotEmpty(t, rec["remedy"])
}

func TestTransportTimeoutCoversTheBodyButNotAFinishedCall(t *testing.T) {
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("b", 1<<20))
	}))
	c, _ := client(t, middleware.ClientConfig{Timeout: 5 * time.Second})
	resp, err := c.Get(srv.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Len(t, body, 1<<20)
}

// callRefused calls GET /x on a loopback address nothing listens on, through
// a transport without breakers, and returns the address and the error.
func callRefused(t *testing.T) (addr string, err error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr = ln.Addr().String()
	require.NoError(t, ln.Close())
	c, _ := client(t, middleware.ClientConfig{Breaker: middleware.NoBreaker})
	_, err = call(t, c, context.Background(), "http://"+addr+"/x")
	return addr, err
}

func TestTransportConnectionRefusedIsTransient(t *testing.T) {
	_, err := callRefused(t)
	require.Error(t, err)
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err))
}

func TestTransportCallerCancelIsNotABreakerFailure(t *testing.T) {
	started := make(chan struct{}, 10)
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
	}))
	c, _ := client(t, middleware.ClientConfig{BreakerConfig: func(string) breaker.Config {
		return breaker.Config{ConsecutiveFailures: 1, OpenDuration: time.Hour}
	}})
	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-started; cancel() }()
		_, err := call(t, c, ctx, srv.URL)
		require.Error(t, err)
		assert.False(t, errors.Is(err, breaker.ErrOpen))
	}
}

func TestNewTransportRefusesInvalidConfig(t *testing.T) {
	for field, cfg := range map[string]middleware.ClientConfig{
		"ClientConfig.MaxHosts": {MaxHosts: -1},
		"ClientConfig.Breaker":  {Breaker: middleware.NoBreaker + 1},
	} {
		_, err := middleware.NewTransport(nil, cfg)
		require.Error(t, err, field)
		assert.Contains(t, err.Error(), field)
	}
}

func TestBreakerScopeString(t *testing.T) {
	assert.Equal(t, "per_host", middleware.PerHost.String())
	assert.Equal(t, "none", middleware.NoBreaker.String())
	assert.Equal(t, "invalid", (middleware.NoBreaker + 1).String())
}

func TestTransportInvalidBreakerConfigFailsCallsToThatHost(t *testing.T) {
	srv := newPlainServer(t, http.NotFoundHandler())
	c, _ := client(t, middleware.ClientConfig{BreakerConfig: func(string) breaker.Config {
		return breaker.Config{FailureRate: 2}
	}})
	_, err := call(t, c, context.Background(), srv.URL)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "FailureRate")
	assert.NotEmpty(t, errctx.RemediesOf(err))
}

// slowServer answers after at most 2 s, or when the call is abandoned.
func slowServer(t *testing.T) *httptest.Server {
	return newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
}

// TestTransportTimeoutShorterThanTheCallersDeadlineWins: a caller's long
// deadline (a batch job's hour) does not lift the per-call bound.
func TestTransportTimeoutShorterThanTheCallersDeadlineWins(t *testing.T) {
	srv := slowServer(t)
	c, _ := client(t, middleware.ClientConfig{Timeout: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	start := time.Now()
	_, err := call(t, c, ctx, srv.URL)
	require.Error(t, err, "the per-call timeout applies under the caller's longer deadline")
	assert.Less(t, time.Since(start), time.Second)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err))
	require.NotEmpty(t, errctx.RemediesOf(err))
	assert.Contains(t, errctx.RemediesOf(err)[0], "ClientConfig.Timeout")
}

// TestTransportCallersShorterDeadlineWins: the caller's own, shorter
// deadline ends the call, and the error says it was the caller's.
func TestTransportCallersShorterDeadlineWins(t *testing.T) {
	srv := slowServer(t)
	c, _ := client(t, middleware.ClientConfig{Timeout: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := call(t, c, ctx, srv.URL)
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.NotEmpty(t, errctx.RemediesOf(err))
	assert.Contains(t, errctx.RemediesOf(err)[0], "the caller's deadline")
}

// TestTransportWithinTheTimeoutSucceeds: a call that finishes within both
// bounds is not cut short.
func TestTransportWithinTheTimeoutSucceeds(t *testing.T) {
	srv := newPlainServer(t, http.NotFoundHandler())
	c, _ := client(t, middleware.ClientConfig{Timeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	resp, err := call(t, c, ctx, srv.URL)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestTransportCloseIdleConnectionsReachesTheBase(t *testing.T) {
	closed := make(chan struct{}, 1)
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	defer srv.Close()
	tr, err := middleware.NewTransport(&http.Transport{}, middleware.ClientConfig{})
	require.NoError(t, err)
	c := &http.Client{Transport: tr}
	_, err = call(t, c, context.Background(), srv.URL)
	require.NoError(t, err)

	c.CloseIdleConnections()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the idle keep-alive connection was not closed")
	}
}

// TestTransportErrorBehindURLErrorLogsAsAGroup checks the recipe in the
// package doc: http.Client's *url.Error logs as a flat string, the
// *errctx.Error inside it as a group, and the two say the same but for
// url.Error's prefix.
func TestTransportErrorBehindURLErrorLogsAsAGroup(t *testing.T) {
	addr, err := callRefused(t)

	var ue *url.Error
	require.ErrorAs(t, err, &ue, "http.Client wraps the transport's error")
	var e *errctx.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, `Get "http://`+addr+`/x": `+e.Error(), err.Error())
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err), "accessors see through url.Error")

	sink := &logSink{}
	l := sink.logger()
	l.Error("flat", "error", err)
	l.Error("structured", "error", e)
	got := sink.Records(t)
	require.Len(t, got, 2)
	assert.IsType(t, "", got[0]["error"])
	group, ok := got[1]["error"].(map[string]any)
	require.True(t, ok, "the errctx error logs as a group: %v", got[1]["error"])
	assert.Equal(t, []any{"GET " + addr + "/x"}, group["attempted"])
	assert.Equal(t, "transient", group["class"])
	assert.NotEmpty(t, group["remedy"])
}

// TestTransportDeadlineLeavesNothingBehind makes calls over a real
// http.Transport, which watches the deadline's context and derives its own
// from it, under callers' contexts that can be cancelled (the deadline then
// watches them too) and that cannot; once the connections are closed, no
// goroutine is left, and a later cancellation of the caller's context finds
// nothing to do.
func TestTransportDeadlineLeavesNothingBehind(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	base := &http.Transport{}
	tr, err := middleware.NewTransport(base, middleware.ClientConfig{Logger: (&logSink{}).logger(), Stats: stats.Discard})
	require.NoError(t, err)
	c := &http.Client{Transport: tr}
	caller, cancel := context.WithCancel(context.Background())
	for i := range 100 {
		ctx := context.Background()
		if i%2 == 0 {
			ctx = caller
		}
		resp, err := call(t, c, ctx, srv.URL)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	cancel()
	base.CloseIdleConnections()
	srv.Close()
	goleak.VerifyNone(t, before)
}

// TestTransportKeepsConnectionsAlive: the per-call deadline ends the
// context http.Transport derives for a call only once the response body has
// been read to the end, after the transport has put the connection back in
// its idle pool, so sequential calls share one connection.
func TestTransportKeepsConnectionsAlive(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	for _, timeout := range []time.Duration{0, time.Hour, -1} {
		conns.Store(0)
		base.CloseIdleConnections()
		tr, err := middleware.NewTransport(base, middleware.ClientConfig{Logger: (&logSink{}).logger(), Stats: stats.Discard, Timeout: timeout})
		require.NoError(t, err)
		c := &http.Client{Transport: tr}
		for range 50 {
			resp, err := call(t, c, reqid.With(context.Background(), reqid.New()), srv.URL)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode)
		}
		assert.Equal(t, int32(1), conns.Load(), "timeout %v: 50 calls, one connection", timeout)
	}
}
