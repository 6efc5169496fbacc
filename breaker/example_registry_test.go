package breaker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/vitals-go/vitals/breaker"
)

// A service registers its breakers and serves their status to its health
// checks: 200 while the breakers marked Critical let calls through, 503 when
// one of them is open.
func ExampleRegistry_Handler() {
	quiet := slog.New(slog.DiscardHandler) // keeps the example's output short
	reg := breaker.NewRegistry()
	payments, err := reg.New(breaker.Config{Name: "payments", Critical: true, Logger: quiet})
	if err != nil {
		panic(err)
	}
	search, err := reg.New(breaker.Config{Name: "search", ConsecutiveFailures: 1, Logger: quiet})
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.Handle("GET /debug/breakers", reg.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	check := func() {
		resp, err := http.Get(srv.URL + "/debug/breakers")
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		var st breaker.Status
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			panic(err)
		}
		fmt.Println(resp.StatusCode, st.Health)
		for _, b := range st.Breakers {
			line := fmt.Sprintf("  %s: %s, critical %v", b.Name, b.State, b.Critical)
			if b.LastError != nil {
				line += ", last error: " + b.LastError.Error()
			}
			fmt.Println(line)
		}
	}

	check()
	search.Run(context.Background(), func(context.Context) error {
		return errors.New("dial tcp 10.0.0.7:9200: connection refused")
	})
	check()
	payments.ForceOpen("provider maintenance until 02:00")
	check()
	// Output:
	// 200 ok
	//   payments: closed, critical true
	//   search: closed, critical false
	// 200 degraded
	//   payments: closed, critical true
	//   search: open, critical false, last error: dial tcp 10.0.0.7:9200: connection refused
	// 503 unavailable
	//   payments: forced_open, critical true
	//   search: open, critical false, last error: dial tcp 10.0.0.7:9200: connection refused
}
