package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
)

func ExampleResponseError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/stock")
	if err != nil {
		fmt.Println(err)
		return
	}
	err = middleware.ResponseError(resp, "look up the stock") // drains and closes the body
	after, _ := errctx.RetryAfterOf(err)
	fmt.Println(err)
	fmt.Println(errctx.ClassOf(err), after)
	// Output:
	// look up the stock: status 503 Service Unavailable
	// transient 2s
}
