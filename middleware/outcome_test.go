package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// TestRefusedWriteIsTheHandlersMistakeNotAGoneClient: a body after a 204
// or past the declared Content-Length is refused by net/http while the
// client is still there; the record says what the handler did wrong.
func TestRefusedWriteIsTheHandlersMistakeNotAGoneClient(t *testing.T) {
	cases := map[string]struct {
		handler func(http.ResponseWriter)
		status  int
		err     string
	}{
		"body after 204": {func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusNoContent)
			_, _ = io.WriteString(w, "body")
		}, 204, http.ErrBodyNotAllowed.Error()},
		"past Content-Length": {func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "2")
			_, _ = io.WriteString(w, "ok")
			_ = http.NewResponseController(w).Flush() // HTTP/2 checks the length only past its buffer
			_, _ = io.WriteString(w, "more")
		}, 200, http.ErrContentLength.Error()},
	}
	for name, c := range cases {
		for _, h2 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s HTTP/2 %v", name, h2), func(t *testing.T) {
				sink := &logSink{}
				h, err := middleware.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.handler(w) }),
					middleware.Config{AccessLog: middleware.AccessLogConfig{Logger: sink.logger()}})
				require.NoError(t, err)
				srv := httptest.NewUnstartedServer(h)
				srv.EnableHTTP2 = h2
				srv.StartTLS()
				t.Cleanup(srv.Close)
				resp, err := srv.Client().Get(srv.URL)
				require.NoError(t, err)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				assert.Equal(t, h2, resp.ProtoMajor == 2)
				assert.Equal(t, c.status, resp.StatusCode)
				rec := sink.wait(t, "request", 1)[0]
				assert.NotContains(t, rec, "client_gone", "the client is still there")
				assert.EqualValues(t, c.status, rec["status"])
				assert.Equal(t, "WARN", rec["level"], "a handler's mistake is worth a look")
				assert.Equal(t, c.err, rec["error"])
				assert.Equal(t, "write the response body", rec["attempted"])
				assert.NotEmpty(t, rec["remedy"])
			})
		}
	}
}

// TestAbortBeforeAnyWriteIsAnAbortNotA500: panic(http.ErrAbortHandler)
// sends nothing; the record says so at WARN, the stats do not count a 5xx,
// with the access log and through the stats piece alone.
func TestAbortBeforeAnyWriteIsAnAbortNotA500(t *testing.T) {
	abort := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	st := statstest.New()
	srv, sink := newServer(t, abort, middleware.Config{Stats: middleware.StatsConfig{Emitter: st}})
	_, err := http.Get(srv.URL)
	require.Error(t, err, "net/http closed the connection without a response")
	rec := sink.wait(t, "request", 1)[0]
	assert.Equal(t, true, rec["aborted"])
	assert.EqualValues(t, middleware.StatusAborted, rec["status"])
	assert.Equal(t, "WARN", rec["level"])
	assert.NotContains(t, rec, "stack", "a deliberate abort is not a panic")
	assert.EqualValues(t, 1, st.Counted(middleware.StatServerRequests, stats.T("route", middleware.UnmatchedRoute), stats.T("status", "4xx")))

	alone := statstest.New()
	h, err := middleware.Stats(abort, middleware.StatsConfig{Emitter: alone})
	require.NoError(t, err)
	_, err = http.Get(newPlainServer(t, h).URL)
	require.Error(t, err)
	require.Eventually(t, func() bool {
		return alone.Counted(middleware.StatServerRequests, stats.T("route", middleware.UnmatchedRoute), stats.T("status", "4xx")) == 1
	}, 5e9, 5e6, "%v", alone.Series())
}

// TestInvalidStatusCodeIsAPanicAnswered500: net/http panics on
// WriteHeader(0) or WriteHeader(1000) before sending anything; the client
// gets the 500 the record says.
func TestInvalidStatusCodeIsAPanicAnswered500(t *testing.T) {
	for _, code := range []int{0, 1000} {
		srv, sink := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }), middleware.Config{})
		resp, _ := get(t, srv.URL)
		assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "code %d", code)
		rec := sink.wait(t, "request panicked", 1)[0]
		assert.EqualValues(t, 500, rec["status"], "code %d", code)
		assert.Equal(t, "ERROR", rec["level"])
		assert.Contains(t, rec["error"], "invalid WriteHeader code")
	}
}

// TestHeadBytesAreWhatWentOnTheWire: net/http drops a HEAD response's body.
func TestHeadBytesAreWhatWentOnTheWire(t *testing.T) {
	srv, sink := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}), middleware.Config{})
	resp, err := http.Head(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	rec := sink.wait(t, "request", 1)[0]
	assert.EqualValues(t, 200, rec["status"])
	assert.EqualValues(t, 0, rec["bytes"])
}

// TestUpgradeIsRecordedAs101: a handler that hijacks the connection to
// switch protocols (as WebSocket libraries do) is recorded as a 101.
func TestUpgradeIsRecordedAs101(t *testing.T) {
	srv, sink := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, bw, err := http.NewResponseController(w).Hijack()
		if !assert.NoError(t, err) {
			return
		}
		defer conn.Close()
		_, _ = bw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		_ = bw.Flush()
	}), middleware.Config{})
	resp := rawRequest(t, srv.Listener.Addr().String(), "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	rec := sink.wait(t, "request", 1)[0]
	assert.EqualValues(t, 101, rec["status"])
	assert.Equal(t, true, rec["hijacked"])
	assert.Equal(t, "INFO", rec["level"])
}

// TestIPv4MappedTrustedProxyMatches: a trusted prefix written in its
// IPv4-mapped form trusts the IPv4 peer it names.
func TestIPv4MappedTrustedProxyMatches(t *testing.T) {
	srv, _ := newServer(t, http.NotFoundHandler(), middleware.Config{RequestID: middleware.RequestIDConfig{
		Trust: middleware.TrustProxies, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("::ffff:127.0.0.1/128")},
	}})
	id := reqid.New()
	resp, _ := get(t, srv.URL, "X-Request-ID", id)
	assert.Equal(t, id, resp.Header.Get("X-Request-ID"), "the loopback peer is the trusted proxy")
}
