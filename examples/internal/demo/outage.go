package demo

import (
	"sync"
	"time"
)

// Outage is a fake dependency's scheduled failure: it is down from From to
// To (fractions of Period, counted from Start) in every period, and stays
// down past To until it has failed at least Fails calls in that period. The
// story then does not depend on how many calls a loaded machine manages to
// make inside the window: a breaker that opens after Fails consecutive
// failures always opens.
type Outage struct {
	Start    time.Time
	Period   time.Duration
	From, To float64
	Fails    int

	mu     sync.Mutex
	cycle  time.Duration // the period the failures below were counted in
	failed int
}

// Down says whether a call arriving at now fails, and counts it if so.
func (o *Outage) Down(now time.Time) bool {
	since := now.Sub(o.Start)
	phase := float64(since%o.Period) / float64(o.Period)
	o.mu.Lock()
	defer o.mu.Unlock()
	if cycle := since / o.Period; cycle != o.cycle {
		o.cycle, o.failed = cycle, 0
	}
	if phase < o.From || phase >= o.To && o.failed >= o.Fails {
		return false
	}
	o.failed++
	return true
}
