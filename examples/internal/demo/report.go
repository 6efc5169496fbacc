package demo

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vitals-go/vitals/breaker"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/stats"
)

// Transitions records a breaker's transitions for the closing report; its
// Record method is given to breaker.Subscribe.
type Transitions struct {
	Start time.Time // the run's start, from which the report times them

	mu   sync.Mutex
	list []breaker.Transition
}

// Record records one transition.
func (t *Transitions) Record(tr breaker.Transition) {
	t.mu.Lock()
	t.list = append(t.list, tr)
	t.mu.Unlock()
}

// Write prints how many transitions the breaker name made, then one line
// each: when, from, to and why.
func (t *Transitions) Write(w io.Writer, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(w, "  %s breaker: %d transitions\n", name, len(t.list))
	for _, tr := range t.list {
		fmt.Fprintf(w, "    %6.1fs  %-9s -> %-9s  %s\n", tr.At.Sub(t.Start).Seconds(), tr.From, tr.To, tr.Reason)
	}
}

// Delivery is what became of a run's stats and log lines.
type Delivery struct {
	StatsdAddr    string
	Sent, Dropped uint64 // stats written to the network, and lost
	SendErrors    uint64 // packets the network refused
	LogsDropped   uint64 // log lines the async writer dropped
}

// Delivered reads the counters of the run's emitter and log writer; call
// it once both are closed.
func Delivered(addr string, s *stats.Statsd, logs *vlog.AsyncWriter) Delivery {
	return Delivery{StatsdAddr: addr, Sent: s.Sent(), Dropped: s.Dropped(),
		SendErrors: s.SendErrors(), LogsDropped: logs.Dropped()}
}

// Write prints the delivery lines of the report.
func (d Delivery) Write(w io.Writer) {
	fmt.Fprintf(w, "  stats to %s: %d sent, %d dropped\n", d.StatsdAddr, d.Sent, d.Dropped)
	if d.SendErrors > 0 {
		fmt.Fprintf(w, "    %d packets refused: nothing listens there, and the service never noticed\n", d.SendErrors)
	}
	fmt.Fprintf(w, "  log lines dropped: %d\n", d.LogsDropped)
}
