package middleware_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/middleware"
)

// TestServerLevelOfShedRequests: a 503 or 429 carrying Retry-After is the
// server shedding the request (load shed, a dependency's breaker open):
// Warn, not Error; a 503 without it is the server failing: Error.
func TestServerLevelOfShedRequests(t *testing.T) {
	mux := http.NewServeMux()
	answer := func(code int, retryAfter string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(code)
		}
	}
	mux.Handle("GET /shed", answer(http.StatusServiceUnavailable, "5"))
	mux.Handle("GET /busy", answer(http.StatusTooManyRequests, "1"))
	mux.Handle("GET /down", answer(http.StatusServiceUnavailable, ""))
	mux.Handle("GET /broken", answer(http.StatusInternalServerError, "5"))
	srv, sink := newServer(t, mux, middleware.ServerConfig{})
	want := map[string]string{"/shed": "WARN", "/busy": "WARN", "/down": "ERROR", "/broken": "ERROR"}
	for path := range want {
		get(t, srv.URL+path)
	}
	for _, rec := range sink.wait(t, "request", len(want)) {
		path, _ := rec["path"].(string)
		assert.Equal(t, want[path], rec["level"], path)
	}
}
