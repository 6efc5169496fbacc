package stats

import (
	"sync/atomic"
	"time"
)

// HandleReporter is implemented by an Emitter that can report a handle made
// by another Emitter, as stats/otelstats' does: [Tee] gives it the handles
// its first Emitter makes, so that one handle's adds reach every backend.
type HandleReporter interface {
	// ReportCounter reports c's total under name and tags from now on.
	ReportCounter(c *Counter, name string, tags ...Tag)
	// ReportGauge reports g's value under name and tags from now on.
	ReportGauge(g *Gauge, name string, tags ...Tag)
}

// TeeEmitter sends every stat to each of its Emitters, in order. One that
// panics is recovered and counted (see [TeeEmitter.Panics]) and the others
// still get the stat. Its calls cost no allocation beyond what its
// Emitters' own calls cost.
type TeeEmitter struct {
	emitters []Emitter
	panics   atomic.Uint64
}

var _ Emitter = (*TeeEmitter)(nil)

// Tee returns an Emitter that sends every stat to each of emitters, for a
// service moving from one backend to another (statsd and OTel at once).
// Nil emitters are skipped.
//
// A handle is one object, so NewCounter and NewGauge return the handle of
// the first Emitter and give it to every later Emitter that is a
// [HandleReporter]; an Emitter that is not (a [Statsd]) gets no handle
// stats unless it comes first: put the statsd emitter first.
func Tee(emitters ...Emitter) *TeeEmitter {
	t := &TeeEmitter{}
	for _, e := range emitters {
		if e != nil {
			t.emitters = append(t.emitters, e)
		}
	}
	return t
}

// Count calls Count on each Emitter.
func (t *TeeEmitter) Count(name string, n int64, tags ...Tag) {
	for _, e := range t.emitters {
		t.count(e, name, n, tags)
	}
}

// Gauge calls Gauge on each Emitter.
func (t *TeeEmitter) Gauge(name string, value float64, tags ...Tag) {
	for _, e := range t.emitters {
		t.gauge(e, name, value, tags, false)
	}
}

// GaugeDelta calls GaugeDelta on each Emitter.
func (t *TeeEmitter) GaugeDelta(name string, delta float64, tags ...Tag) {
	for _, e := range t.emitters {
		t.gauge(e, name, delta, tags, true)
	}
}

// Timing calls Timing on each Emitter.
func (t *TeeEmitter) Timing(name string, d time.Duration, tags ...Tag) {
	for _, e := range t.emitters {
		t.timing(e, name, d, tags)
	}
}

// Set calls Set on each Emitter.
func (t *TeeEmitter) Set(name string, member string, tags ...Tag) {
	for _, e := range t.emitters {
		t.set(e, name, member, tags)
	}
}

// NewCounter returns the first Emitter's handle (nil with no Emitter, a
// zero handle if it panicked), reported by every later HandleReporter.
func (t *TeeEmitter) NewCounter(name string, tags ...Tag) *Counter {
	if len(t.emitters) == 0 {
		return nil
	}
	c := t.newCounter(t.emitters[0], name, tags)
	for _, e := range t.emitters[1:] {
		if r, ok := e.(HandleReporter); ok && c != nil {
			t.reportCounter(r, c, name, tags)
		}
	}
	return c
}

// NewGauge returns the first Emitter's handle, as NewCounter does.
func (t *TeeEmitter) NewGauge(name string, tags ...Tag) *Gauge {
	if len(t.emitters) == 0 {
		return nil
	}
	g := t.newGauge(t.emitters[0], name, tags)
	for _, e := range t.emitters[1:] {
		if r, ok := e.(HandleReporter); ok && g != nil {
			t.reportGauge(r, g, name, tags)
		}
	}
	return g
}

// Panics returns how many calls of its Emitters panicked, recovered.
func (t *TeeEmitter) Panics() uint64 { return t.panics.Load() }

// The methods below make one call each under a recover, so that a panic
// stops only that Emitter's call.

func (t *TeeEmitter) count(e Emitter, name string, n int64, tags []Tag) {
	defer t.recovered()
	e.Count(name, n, tags...)
}

func (t *TeeEmitter) gauge(e Emitter, name string, v float64, tags []Tag, delta bool) {
	defer t.recovered()
	if delta {
		e.GaugeDelta(name, v, tags...)
	} else {
		e.Gauge(name, v, tags...)
	}
}

func (t *TeeEmitter) timing(e Emitter, name string, d time.Duration, tags []Tag) {
	defer t.recovered()
	e.Timing(name, d, tags...)
}

func (t *TeeEmitter) set(e Emitter, name, member string, tags []Tag) {
	defer t.recovered()
	e.Set(name, member, tags...)
}

func (t *TeeEmitter) newCounter(e Emitter, name string, tags []Tag) (c *Counter) {
	defer t.recoveredWith(func() { c = new(Counter) })
	return e.NewCounter(name, tags...)
}

func (t *TeeEmitter) newGauge(e Emitter, name string, tags []Tag) (g *Gauge) {
	defer t.recoveredWith(func() { g = new(Gauge) })
	return e.NewGauge(name, tags...)
}

func (t *TeeEmitter) reportCounter(r HandleReporter, c *Counter, name string, tags []Tag) {
	defer t.recovered()
	r.ReportCounter(c, name, tags...)
}

func (t *TeeEmitter) reportGauge(r HandleReporter, g *Gauge, name string, tags []Tag) {
	defer t.recovered()
	r.ReportGauge(g, name, tags...)
}

func (t *TeeEmitter) recovered() {
	if recover() != nil {
		t.panics.Add(1)
	}
}

func (t *TeeEmitter) recoveredWith(fallback func()) {
	if recover() != nil {
		t.panics.Add(1)
		fallback()
	}
}
