package middleware_test

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/middleware"
)

// Bounds of the fields a client controls, as AccessLogConfig documents them.
var clientFieldBounds = map[string]int{"method": 64, "path": 1024, "user_agent": 256, "remote_addr": 128}

// FuzzAccessRecord parses raw bytes as net/http's server does and serves
// the request through the stack, whose handler logs one record through its
// context: no record holds a client value past its bound, and no line holds
// a control, C1 or bidi character. The seed corpus is in
// testdata/fuzz/FuzzAccessRecord.
func FuzzAccessRecord(f *testing.F) {
	f.Add([]byte("GET /users/42?q=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8\r\nReferer: x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		req.RemoteAddr = "127.0.0.1:40000"
		sink := &logSink{}
		logger := sink.logger()
		h, err := middleware.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			logger.InfoContext(r.Context(), "handling")
		}), middleware.Config{AccessLog: middleware.AccessLogConfig{Logger: logger, Query: true, Headers: []string{"Referer"}}})
		require.NoError(t, err)
		h.ServeHTTP(httptest.NewRecorder(), req)
		lines := sink.Lines()
		require.Len(t, lines, 2, "the handler's record and the access record")
		for _, line := range lines {
			checkLine(t, line)
			rec := logtest.DecodeLine(t, line)
			for key, bound := range clientFieldBounds {
				require.LessOrEqual(t, len(rec.Str(key)), bound, "%s in %s", key, line)
			}
			for name, v := range rec.Group("headers") {
				require.LessOrEqual(t, len(v.(string)), 256, "header %s", name)
			}
		}
	})
}

// checkLine fails when line holds a character that can hide or reorder
// text in a terminal or viewer: C0 (but the final newline), DEL, C1, bidi.
func checkLine(t *testing.T, line string) {
	t.Helper()
	line = strings.TrimSuffix(line, "\n")
	for i, r := range line {
		bad := r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x061c || r == 0x200e || r == 0x200f ||
			r >= 0x2028 && r <= 0x202e || r >= 0x2066 && r <= 0x2069
		require.False(t, bad, "%U at byte %d of %q", r, i, line)
	}
}
