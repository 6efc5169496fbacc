package main

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/vitals-go/vitals/breaker"
)

// summary collects what the run did, for the report printed at the end.
type summary struct {
	start       time.Time
	mu          sync.Mutex
	statuses    map[int]int
	transitions []breaker.Transition
}

func newSummary() *summary {
	return &summary{start: time.Now(), statuses: map[int]int{}}
}

// count records the status of one answer of the orders service.
func (s *summary) count(status int) {
	s.mu.Lock()
	s.statuses[status]++
	s.mu.Unlock()
}

// transition records one breaker transition; it is given to
// breaker.Subscribe.
func (s *summary) transition(t breaker.Transition) {
	s.mu.Lock()
	s.transitions = append(s.transitions, t)
	s.mu.Unlock()
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

// delivery is what became of the run's stats and log lines.
type delivery struct {
	statsdAddr          string
	sent, packets       int64  // stats the network took, and in how many packets
	dropped, sendErrors uint64 // from stats.Statsd
	logsDropped         uint64 // from log.AsyncWriter
}

// write prints the summary.
func (s *summary) write(w io.Writer, d delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	codes := make([]int, 0, len(s.statuses))
	for code, n := range s.statuses {
		codes = append(codes, code)
		total += n
	}
	slices.Sort(codes)

	fmt.Fprintf(w, "\nSummary of %s\n", time.Since(s.start).Round(100*time.Millisecond))
	fmt.Fprintf(w, "  orders: %d\n", total)
	for _, code := range codes {
		fmt.Fprintf(w, "    %d %-22s %4d  %s\n", code, http.StatusText(code), s.statuses[code], statusMeaning[code])
	}
	fmt.Fprintf(w, "  payments breaker: %d transitions\n", len(s.transitions))
	for _, t := range s.transitions {
		fmt.Fprintf(w, "    %6.1fs  %-9s -> %-9s  %s\n", t.At.Sub(s.start).Seconds(), t.From, t.To, t.Reason)
	}
	fmt.Fprintf(w, "  stats to %s: %d sent in %d packets, %d dropped\n", d.statsdAddr, d.sent, d.packets, d.dropped)
	if d.sendErrors > 0 {
		fmt.Fprintf(w, "    %d packets refused: nothing listens there, and the service never noticed\n", d.sendErrors)
	}
	fmt.Fprintf(w, "  log lines dropped: %d\n", d.logsDropped)
}
