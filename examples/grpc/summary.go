package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/vitals-go/vitals/examples/internal/demo"
	"github.com/vitals-go/vitals/middleware/grpcmw"
)

// summary collects what the run did, for the report printed at the end.
type summary struct {
	breaker  demo.Transitions // the inventory breaker's; its Start is the run's
	mu       sync.Mutex
	outcomes map[outcome]int
	panics   []grpcmw.PanicInfo
}

func newSummary() *summary {
	return &summary{breaker: demo.Transitions{Start: time.Now()}, outcomes: map[outcome]int{}}
}

// count records the outcome of one answer of the front.
func (s *summary) count(o outcome) {
	s.mu.Lock()
	s.outcomes[o]++
	s.mu.Unlock()
}

// panicked records a panic the back end's server interceptor recovered; it
// is the interceptor's OnPanic hook, where a real service would page
// someone.
func (s *summary) panicked(_ context.Context, p grpcmw.PanicInfo) {
	s.mu.Lock()
	s.panics = append(s.panics, p)
	s.mu.Unlock()
}

// outcomeMeaning says what each outcome of GET /quote means, in the order
// the summary lists them.
var outcomeMeaning = []struct {
	outcome
	meaning string
}{
	{quoted, "priced by the inventory back end"},
	{invalid, "bad sku or qty"},
	{unknownSKU, "NotFound: an answer, logged at INFO"},
	{unavailable, "Unavailable: the back end was failing over"},
	{fenced, "refused at once: the inventory breaker was open"},
	{timedOut, "DeadlineExceeded: no answer in time"},
	{backendFailed, "Internal: the back end panicked; the caller got only the request_id"},
}

// write prints the summary.
func (s *summary) write(w io.Writer, d demo.Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, n := range s.outcomes {
		total += n
	}
	fmt.Fprintf(w, "\nSummary of %s\n", time.Since(s.breaker.Start).Round(100*time.Millisecond))
	fmt.Fprintf(w, "  quotes: %d\n", total)
	for _, m := range outcomeMeaning {
		if n := s.outcomes[m.outcome]; n > 0 {
			fmt.Fprintf(w, "    %d %-21s %-21s %4d  %s\n", m.status, http.StatusText(m.status), m.name, n, m.meaning)
		}
	}
	s.breaker.Write(w, "inventory")
	fmt.Fprintf(w, "  inventory panics recovered: %d\n", len(s.panics))
	if len(s.panics) > 0 {
		p := s.panics[0]
		fmt.Fprintf(w, "    first: %s request_id=%s: %v\n", p.Method, p.RequestID, p.Value)
	}
	d.Write(w)
}
