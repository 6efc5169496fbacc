// Package statstest provides an in-memory [stats.Emitter] for tests: code
// under test emits into a [Recorder], and the test reads back counts, gauge
// values, timings and set members by name and tags.
//
// Everything is recorded as the default statsd emitter writes it on the
// wire, which is what Graphite stores: names through [stats.Sanitize], tags
// through [stats.NormalizeTags] (the Graphite format), set members through
// [stats.NormalizeMember]. So values that production would merge are
// merged here too ("C++" and "C+" stay apart, "a:b" and "a|b" become one
// member "a_b"), and [Recorder.Series] and [Recorder.Members] return the
// wire forms. Reads apply the same rules, so a test may ask with either the
// raw or the wire form. Tags must match exactly (in any order).
package statstest

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vitals-go/vitals/stats"
)

// Recorder is an in-memory [stats.Emitter]. Count and NewCounter of the same
// series share one [stats.Counter]; Gauge, GaugeDelta and NewGauge share one
// [stats.Gauge]; so reads include what handles recorded. Recorder is safe
// for concurrent use; the zero value is not ready, use [New].
type Recorder struct {
	mu       sync.Mutex
	counters map[string]*stats.Counter
	gauges   map[string]*stats.Gauge
	timings  map[string][]time.Duration
	sets     map[string]map[string]struct{}
}

var _ stats.Emitter = (*Recorder)(nil)

// New returns an empty Recorder.
func New() *Recorder {
	return &Recorder{
		counters: map[string]*stats.Counter{},
		gauges:   map[string]*stats.Gauge{},
		timings:  map[string][]time.Duration{},
		sets:     map[string]map[string]struct{}{},
	}
}

// series returns the key of a name and its tags as they go on the wire:
// the sanitised name and the normalised tags in Graphite form.
func series(name string, tags []stats.Tag) string {
	var b strings.Builder
	b.WriteString(stats.Sanitize(name))
	for _, t := range stats.NormalizeTags(tags...) {
		b.WriteString(";" + t.Key + "=" + t.Value)
	}
	return b.String()
}

// Count implements [stats.Emitter].
func (r *Recorder) Count(name string, n int64, tags ...stats.Tag) {
	r.NewCounter(name, tags...).Add(n)
}

// Gauge implements [stats.Emitter].
func (r *Recorder) Gauge(name string, value float64, tags ...stats.Tag) {
	r.NewGauge(name, tags...).Set(value)
}

// GaugeDelta implements [stats.Emitter].
func (r *Recorder) GaugeDelta(name string, delta float64, tags ...stats.Tag) {
	r.NewGauge(name, tags...).Add(delta)
}

// Timing implements [stats.Emitter].
func (r *Recorder) Timing(name string, d time.Duration, tags ...stats.Tag) {
	k := series(name, tags)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.timings[k] = append(r.timings[k], d)
}

// Set implements [stats.Emitter].
func (r *Recorder) Set(name string, member string, tags ...stats.Tag) {
	k := series(name, tags)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sets[k] == nil {
		r.sets[k] = map[string]struct{}{}
	}
	r.sets[k][stats.NormalizeMember(member)] = struct{}{}
}

// NewCounter implements [stats.Emitter]; the same series returns the same
// handle.
func (r *Recorder) NewCounter(name string, tags ...stats.Tag) *stats.Counter {
	return handle(r, r.counters, name, tags)
}

// NewGauge implements [stats.Emitter]; the same series returns the same
// handle.
func (r *Recorder) NewGauge(name string, tags ...stats.Tag) *stats.Gauge {
	return handle(r, r.gauges, name, tags)
}

// handle returns the handle of the series in m, making it at first use.
func handle[H any](r *Recorder, m map[string]*H, name string, tags []stats.Tag) *H {
	k := series(name, tags)
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := m[k]
	if !ok {
		h = new(H)
		m[k] = h
	}
	return h
}

// Counted returns the total counted for name with exactly tags, by Count
// and by counter handles; 0 if nothing was.
func (r *Recorder) Counted(name string, tags ...stats.Tag) int64 {
	r.mu.Lock()
	c := r.counters[series(name, tags)]
	r.mu.Unlock()
	return c.Value()
}

// GaugeValue returns the value of the gauge name with exactly tags, and
// whether it exists (was set, changed, or made by NewGauge).
func (r *Recorder) GaugeValue(name string, tags ...stats.Tag) (float64, bool) {
	r.mu.Lock()
	g, ok := r.gauges[series(name, tags)]
	r.mu.Unlock()
	return g.Value(), ok
}

// Timings returns the durations recorded for name with exactly tags, in
// order.
func (r *Recorder) Timings(name string, tags ...stats.Tag) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.timings[series(name, tags)])
}

// Members returns the distinct members recorded in the set name with
// exactly tags, in their wire form (see [stats.NormalizeMember]), sorted.
func (r *Recorder) Members(name string, tags ...stats.Tag) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Keys(r.sets[series(name, tags)]))
}

// Series returns every series recorded so far, sorted, in the form
// name;k=v;k2=v2, to see what a test got when a read finds nothing.
func (r *Recorder) Series() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]struct{}{}
	for k := range r.counters {
		seen[k] = struct{}{}
	}
	for k := range r.gauges {
		seen[k] = struct{}{}
	}
	for k := range r.timings {
		seen[k] = struct{}{}
	}
	for k := range r.sets {
		seen[k] = struct{}{}
	}
	return slices.Sorted(maps.Keys(seen))
}
