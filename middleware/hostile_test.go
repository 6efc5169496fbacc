package middleware_test

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
