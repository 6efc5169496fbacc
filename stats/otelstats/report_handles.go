package otelstats

import "github.com/vitals-go/vitals/stats"

var _ stats.HandleReporter = (*Emitter)(nil)

// ReportCounter adds c's total to the counter handle series of name and
// tags from now on, so that a handle another Emitter made (the first of a
// [stats.Tee]) is reported here too.
func (e *Emitter) ReportCounter(c *stats.Counter, name string, tags ...stats.Tag) {
	if s := e.seriesOf(kindCounterHandle, name, tags); s != nil && c != nil {
		s.inst.mu.Lock()
		defer s.inst.mu.Unlock()
		s.reportedCounters.Store(appended(s.reportedCounters.Load(), c))
	}
}

// ReportGauge makes g's value that of the gauge handle series of name and
// tags from now on (the last gauge reported wins).
func (e *Emitter) ReportGauge(g *stats.Gauge, name string, tags ...stats.Tag) {
	if s := e.seriesOf(kindGaugeHandle, name, tags); s != nil && g != nil {
		s.inst.mu.Lock()
		defer s.inst.mu.Unlock()
		s.reportedGauges.Store(appended(s.reportedGauges.Load(), g))
	}
}

// appended returns a new list of old's elements and v.
func appended[T any](old *[]T, v T) *[]T {
	var list []T
	if old != nil {
		list = append(list, *old...)
	}
	list = append(list, v)
	return &list
}
