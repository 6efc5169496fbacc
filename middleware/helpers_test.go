package middleware_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	stdlog "log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/log"
)

// logSink collects JSON log lines written concurrently by servers under test.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// logger returns a vitals JSON logger at debug level writing to s.
func (s *logSink) logger() *slog.Logger {
	return log.New(log.Options{Writer: s, Level: slog.LevelDebug})
}

func (s *logSink) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(s.buf.Bytes()))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func (s *logSink) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range s.lines() {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "log line is not JSON: %s", line)
		out = append(out, m)
	}
	return out
}

// wait polls (bounded) until n records whose msg is msg were logged, and
// returns them.
func (s *logSink) wait(t *testing.T, msg string, n int) []map[string]any {
	t.Helper()
	var got []map[string]any
	require.Eventually(t, func() bool {
		got = got[:0]
		for _, line := range s.lines() {
			if !strings.Contains(line, `"msg":"`+msg+`"`) {
				continue
			}
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
				got = append(got, m)
			}
		}
		return len(got) >= n
	}, 5*time.Second, 5*time.Millisecond, "waiting for %d %q records", n, msg)
	return got
}

// newPlainServer serves h on loopback for the test, logging net/http's own
// errors to the test log.
func newPlainServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}
