package middleware_test

import (
	"io"
	stdlog "log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
)

// logSink collects the JSON log lines written concurrently by servers
// under test.
type logSink struct{ logtest.Buffer }

// logger returns a vitals JSON logger at debug level writing to s.
func (s *logSink) logger() *slog.Logger {
	return log.New(log.Options{Writer: s, Level: slog.LevelDebug})
}

// wait waits (bounded) until n records whose msg is msg were logged, and
// returns them.
func (s *logSink) wait(t *testing.T, msg string, n int) []logtest.Record {
	t.Helper()
	return s.Wait(t, logtest.Msg(msg), n)
}

// newPlainServer serves h on loopback for the test, discarding net/http's
// own error log.
func newPlainServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// newTransport is middleware.NewTransport for a valid cfg.
func newTransport(tb testing.TB, base http.RoundTripper, cfg middleware.ClientConfig) *middleware.Transport {
	tb.Helper()
	tr, err := middleware.NewTransport(base, cfg)
	require.NoError(tb, err)
	return tr
}
