package middleware_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
)

// rawGet sends one request line by line over a raw TCP connection, so header
// values reach the server exactly as written.
func rawGet(t *testing.T, addr, path, extraHeader string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	req := "GET " + path + " HTTP/1.1\r\nHost: test\r\nUser-Agent: raw\r\n" + extraHeader + "Connection: close\r\n\r\n"
	_, err = conn.Write([]byte(req))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

func TestHostileInboundIDsAreReplacedAndKeepLogLinesSmall(t *testing.T) {
	sink := &logSink{}
	h, err := middleware.New(http.NotFoundHandler(), middleware.Config{AccessLog: middleware.AccessLogConfig{Logger: sink.logger()}})
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.MaxHeaderBytes = 2 << 20 // net/http's default (1 MB) would refuse the largest before we see it
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	rawGet(t, addr, "/baseline", "")
	baseline := len(sink.Lines()[0])

	hostile := map[string]string{
		"quotes":                    `abc","level":"DEBUG","forged":"yes`,
		"bidi":                      "abc\u202edef\u2066ghi",
		"invalid utf8":              "abc\xff\xfe\xfd",
		"newline-free json breaker": `}{"msg":"x"`,
		"too long":                  strings.Repeat("a", reqid.MaxLen+1),
		"one megabyte":              strings.Repeat("x", 1<<20),
	}
	for name, value := range hostile {
		t.Run(name, func(t *testing.T) {
			before := len(sink.Lines())
			resp := rawGet(t, addr, "/baseline", "X-Request-ID: "+value+"\r\n")
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
			id := resp.Header.Get("X-Request-ID")
			assert.True(t, reqid.Valid(id), "a fresh valid ID is echoed")
			assert.NotEqual(t, value, id)

			lines := sink.Lines()[before:]
			require.Len(t, lines, 1)
			assert.Less(t, len(lines[0])-baseline, 200, "the log line grows by less than 200 bytes: %s", lines[0])
			assert.NotContains(t, lines[0], "forged")
			assert.NotContains(t, lines[0], "\u202e")
			rec := sink.Records(t)[before]
			assert.Equal(t, id, rec["request_id"])
			assert.Contains(t, rec["request_id_rejected"], "len=")
		})
	}
}

// rawRequest writes raw, a request as hand-written HTTP/1.1 bytes, to a
// fresh connection to addr and reads the response.
func rawRequest(t *testing.T, addr, raw string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = conn.Write([]byte(raw))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestClientValuesAreBoundedAndEscapedInEveryRecord: a 200 KB method of
// token characters, which net/http accepts, and bidi and C1 characters in
// the path, the user agent and a logged header reach neither the access
// record nor the handler's records raw or unbounded.
func TestClientValuesAreBoundedAndEscapedInEveryRecord(t *testing.T) {
	sink := &logSink{}
	logger := sink.logger()
	h, err := middleware.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "handling")
		w.WriteHeader(http.StatusNoContent)
	}), middleware.Config{AccessLog: middleware.AccessLogConfig{Logger: logger, Query: true, Headers: []string{"Referer"}}})
	require.NoError(t, err)
	srv := newPlainServer(t, h)
	addr := srv.Listener.Addr().String()

	hostile := []struct{ name, method, target, agent string }{
		{"200 KB method", strings.Repeat("M", 200<<10), "/x", "ua"},
		{"bidi in path", "GET", "/a%E2%80%AEb?q=%E2%80%AE", "ua"},
		{"bidi and C1 in user agent", "GET", "/x", "ok\u202eevil\u009b31m"},
		{"long user agent with bidi", "GET", "/x", strings.Repeat("\u202e", 4000)},
	}
	for _, c := range hostile {
		t.Run(c.name, func(t *testing.T) {
			before := len(sink.Lines())
			resp := rawRequest(t, addr, c.method+" "+c.target+" HTTP/1.1\r\nHost: test\r\nUser-Agent: "+c.agent+
				"\r\nReferer: r\u202e\u009b\r\nConnection: close\r\n\r\n")
			require.Equal(t, http.StatusNoContent, resp.StatusCode)
			lines := sink.Wait(t, func(logtest.Record) bool { return true }, before+2)[before:]
			raw := sink.Lines()[before:]
			require.Len(t, raw, 2, "the handler's record and the access record")
			for i, line := range raw {
				assert.Less(t, len(line), 3000, "record %d is bounded: %.300s", i, line)
				assert.NotContains(t, line, "\u202e")
				assert.NotContains(t, line, "\u009b")
				rec := lines[i]
				assert.LessOrEqual(t, len(rec.Str("method")), 64)
			}
			access := lines[1]
			assert.LessOrEqual(t, len(access.Str("path")), 1024)
			assert.LessOrEqual(t, len(access.Str("user_agent")), 256)
			assert.NotContains(t, access.Group("headers")["Referer"], "\u202e")
		})
	}
}
