package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/vitals-go/vitals/examples/internal/demo"
	"github.com/vitals-go/vitals/middleware"
)

// summary collects what the run did, for the report printed at the end.
type summary struct {
	breaker  demo.Transitions // the payments breaker's; its Start is the run's
	mu       sync.Mutex
	statuses map[int]int
}

func newSummary() *summary {
	return &summary{breaker: demo.Transitions{Start: time.Now()}, statuses: map[int]int{}}
}

// count records the status of one answer of the orders service.
func (s *summary) count(status int) {
	s.mu.Lock()
	s.statuses[status]++
	s.mu.Unlock()
}

// panicked counts an order whose handler panicked: the middleware, not the
// handler, answered it with a 500.
func (s *summary) panicked(_ context.Context, p middleware.PanicInfo) {
	if p.Route == ordersRoute {
		s.count(http.StatusInternalServerError)
	}
}

// statusMeaning says what each answer of the orders service means.
var statusMeaning = map[int]string{
	http.StatusCreated:             "paid",
	http.StatusAccepted:            "charge deferred: the payments breaker was open",
	http.StatusBadRequest:          "invalid order",
	http.StatusPaymentRequired:     "card declined (a normal outcome, logged at INFO)",
	http.StatusBadGateway:          "payments failed; nothing charged",
	http.StatusGatewayTimeout:      "payments timed out; outcome unknown, left for reconciliation",
	http.StatusInternalServerError: "handler panicked",
}

// write prints the summary.
func (s *summary) write(w io.Writer, d interface{ Write(io.Writer) }) {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	codes := make([]int, 0, len(s.statuses))
	for code, n := range s.statuses {
		codes = append(codes, code)
		total += n
	}
	slices.Sort(codes)

	fmt.Fprintf(w, "\nSummary of %s\n", time.Since(s.breaker.Start).Round(100*time.Millisecond))
	fmt.Fprintf(w, "  orders: %d\n", total)
	for _, code := range codes {
		fmt.Fprintf(w, "    %d %-22s %4d  %s\n", code, http.StatusText(code), s.statuses[code], statusMeaning[code])
	}
	s.breaker.Write(w, "payments")
	d.Write(w)
}
