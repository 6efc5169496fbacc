package middleware_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/retry"
	"github.com/vitals-go/vitals/stats"
)

// statusServer answers /?code=N&after=V with status N, Retry-After V and
// the body given in /?body=.
func statusServer(t *testing.T) *httptest.Server {
	return newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if v := q.Get("after"); v != "" {
			w.Header().Set("Retry-After", v)
		}
		code, err := strconv.Atoi(q.Get("code"))
		if err != nil {
			code = http.StatusOK
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(q.Get("body")))
	}))
}

func plainTransportClient(t *testing.T) *http.Client {
	t.Helper()
	tr, err := middleware.NewTransport(nil, middleware.TransportOptions{NoBreaker: true, Stats: stats.Discard,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return &http.Client{Transport: tr}
}

func TestResponseErrorClassesRealResponses(t *testing.T) {
	srv := statusServer(t)
	c := plainTransportClient(t)
	date := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	cases := []struct {
		code  int
		after string
		class errctx.Class
		wait  time.Duration // 0: no Retry-After kept
	}{
		{http.StatusBadRequest, "", errctx.Permanent, 0},
		{http.StatusNotFound, "", errctx.Permanent, 0},
		{http.StatusRequestTimeout, "", errctx.Transient, 0},
		{http.StatusTooManyRequests, "7", errctx.Transient, 7 * time.Second},
		{http.StatusServiceUnavailable, date, errctx.Transient, time.Hour},
		{http.StatusServiceUnavailable, "", errctx.Transient, 0},
		{http.StatusInternalServerError, "5", errctx.Indeterminate, 0}, // Retry-After is kept for 429 and 503 only
		{http.StatusBadGateway, "", errctx.Indeterminate, 0},
		{http.StatusGatewayTimeout, "", errctx.Indeterminate, 0},
		{http.StatusNotImplemented, "", errctx.Permanent, 0},
	}
	for _, tc := range cases {
		resp, err := c.Get(srv.URL + "/s?code=" + strconv.Itoa(tc.code) + "&after=" + url.QueryEscape(tc.after))
		require.NoError(t, err)
		rerr := middleware.ResponseError(resp, "")
		require.Error(t, rerr, tc.code)
		assert.Equal(t, tc.class, errctx.ClassOf(rerr), tc.code)
		assert.Contains(t, rerr.Error(), "status "+strconv.Itoa(tc.code)+" "+http.StatusText(tc.code))
		assert.Equal(t, []string{"GET " + strings.TrimPrefix(srv.URL, "http://") + "/s"}, errctx.AttemptedOf(rerr))
		assert.Contains(t, errctx.FieldsOf(rerr), slog.Int("status", tc.code))
		assert.NotEmpty(t, errctx.RemediesOf(rerr))
		after, ok := errctx.RetryAfterOf(rerr)
		assert.Equal(t, tc.wait != 0, ok, tc.code)
		assert.InDelta(t, tc.wait, after, float64(2*time.Second), tc.code)
	}
	for _, code := range []int{http.StatusOK, http.StatusNoContent, http.StatusNotModified} {
		resp, err := c.Get(srv.URL + "/s?code=" + strconv.Itoa(code))
		require.NoError(t, err)
		assert.NoError(t, middleware.ResponseError(resp, "fetch"), code)
		require.NoError(t, resp.Body.Close())
	}
	assert.Error(t, middleware.ResponseError(nil, "fetch"))
}

// TestResponseErrorKeepsAnEscapedExcerptAndReusesTheConnection: the body's
// excerpt is bounded and escaped (no raw line break or bidi override
// reaches a record), and the body is drained and closed so that calls
// share one connection.
func TestResponseErrorKeepsAnEscapedExcerptAndReusesTheConnection(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte("line one\n\u202efake: \"entry\"" + strings.Repeat("x", 10<<10)))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := plainTransportClient(t)
	defer c.CloseIdleConnections()
	for range 5 {
		resp, err := c.Get(srv.URL)
		require.NoError(t, err)
		rerr := middleware.ResponseError(resp, "create the thing")
		require.Error(t, rerr)
		assert.Equal(t, []string{"create the thing"}, errctx.AttemptedOf(rerr))
		var body string
		for _, f := range errctx.FieldsOf(rerr) {
			if f.Key == "body" {
				body = f.Value.String()
			}
		}
		assert.True(t, strings.HasPrefix(body, `line one\n\u202efake: "entry"xxx`), body)
		assert.LessOrEqual(t, len(body), 256+16, "bounded")
		assert.NotContains(t, body, "\n")
		assert.NotContains(t, body, "\u202e")
	}
	assert.EqualValues(t, 1, conns.Load(), "drained bodies let the calls share one connection")
}

// TestResponseErrorRetryHonoursRetryAfter: retry.Do waits for a 503's
// Retry-After before trying again, though its own backoff is a
// millisecond.
func TestResponseErrorRetryHonoursRetryAfter(t *testing.T) {
	var first atomic.Int64
	var hits atomic.Int32
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			first.Store(time.Now().UnixNano())
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	c := plainTransportClient(t)
	var waited time.Duration
	err := retry.Do(context.Background(), retry.Policy{Name: "fetch", Attempts: 3, Base: time.Millisecond, Cap: 5 * time.Second},
		func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			require.NoError(t, err)
			resp, err := c.Do(req)
			if err != nil {
				return err
			}
			if hits.Load() > 1 {
				waited = time.Duration(time.Now().UnixNano() - first.Load())
			}
			if rerr := middleware.ResponseError(resp, ""); rerr != nil {
				return rerr
			}
			return resp.Body.Close()
		})
	require.NoError(t, err)
	assert.EqualValues(t, 2, hits.Load())
	assert.GreaterOrEqual(t, waited, 900*time.Millisecond, "the second attempt waited for Retry-After")
}
