package middleware_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/middleware"
)

// ServerOutcome.Shed promises "the response is a 503 or 429 with a
// Retry-After header": what the client got. A Retry-After set after
// WriteHeader is not sent (net/http has written the header by then), so
// that 503 is the server failing, Error, not a shed request at Warn.
func TestServerShedIsTheRetryAfterThatWasSent(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /late", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Header().Set("Retry-After", "5") // too late: not sent
	})
	mux.HandleFunc("GET /removed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Header().Del("Retry-After") // sent all the same
	})
	srv, sink := newServer(t, mux, middleware.ServerConfig{})
	sent := map[string]bool{}
	for _, path := range []string{"/late", "/removed"} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		_ = resp.Body.Close()
		sent[path] = resp.Header.Get("Retry-After") != ""
	}
	require.Equal(t, map[string]bool{"/late": false, "/removed": true}, sent, "what net/http sent")
	want := map[string]string{"/late": "ERROR", "/removed": "WARN"}
	for _, rec := range sink.wait(t, "request", len(want)) {
		path, _ := rec["path"].(string)
		assert.Equal(t, want[path], rec["level"], path)
	}
}
