package otelstats

import (
	"slices"

	"github.com/vitals-go/vitals/stats"
)

var _ stats.HandleReporter = (*Emitter)(nil)

// ReportCounter adds c's total to the counter handle series of name and
// tags from now on, so that a handle another Emitter made (the first of a
// [stats.Tee]) is reported here too. A handle reported again (a Tee's
// NewCounter called twice for one name) is counted once.
func (e *Emitter) ReportCounter(c *stats.Counter, name string, tags ...stats.Tag) {
	if s := e.seriesOf(kindCounterHandle, name, tags); s != nil && c != nil {
		s.inst.mu.Lock()
		defer s.inst.mu.Unlock()
		if old := s.reportedCounters.Load(); old == nil || !slices.Contains(*old, c) {
			s.reportedCounters.Store(appended(old, c))
		}
	}
}

// ReportGauge makes g's value that of the gauge handle series of name and
// tags from now on (the last gauge reported wins; a gauge reported again
// becomes the last, and is kept once).
func (e *Emitter) ReportGauge(g *stats.Gauge, name string, tags ...stats.Tag) {
	if s := e.seriesOf(kindGaugeHandle, name, tags); s != nil && g != nil {
		s.inst.mu.Lock()
		defer s.inst.mu.Unlock()
		old := s.reportedGauges.Load()
		if old != nil && (*old)[len(*old)-1] == g {
			return
		}
		s.reportedGauges.Store(appended(old, g))
	}
}

// appended returns a new list of old's elements but v, then v.
func appended[T comparable](old *[]T, v T) *[]T {
	var list []T
	if old != nil {
		for _, x := range *old {
			if x != v {
				list = append(list, x)
			}
		}
	}
	list = append(list, v)
	return &list
}
