package middleware_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/middleware"
)

// A handler whose dependency's breaker is open sheds the request: a 503
// with Retry-After. The access record says so at WARN, not ERROR: the
// server did what it was built to do, and the breaker's own transition
// record said why when it opened.
func ExampleServerOutcome_shed() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		err := fmt.Errorf("calling payments: %w", breaker.ErrOpen) // what an open breaker returns
		if errors.Is(err, breaker.ErrOpen) {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "payments is unavailable, retry in 5 s", http.StatusServiceUnavailable)
			return
		}
	})
	h, err := middleware.New(mux, middleware.ServerConfig{AccessLog: middleware.AccessLogConfig{Logger: stableLogger()}})
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/orders/7", nil)
	req.Header.Set("X-Request-ID", "shed-1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// level=WARN msg=request method=GET path=/orders/7 status=503 bytes=38 user_agent="" route="GET /orders/{id}" request_id=shed-1
}
