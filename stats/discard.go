package stats

import "time"

// Discard is an Emitter that drops everything. Its handles still count, so
// code may read them back, but nothing is sent anywhere.
var Discard Emitter = discard{}

type discard struct{}

func (discard) Count(string, int64, ...Tag)          {}
func (discard) Gauge(string, float64, ...Tag)        {}
func (discard) GaugeDelta(string, float64, ...Tag)   {}
func (discard) Timing(string, time.Duration, ...Tag) {}
func (discard) Set(string, string, ...Tag)           {}

func (discard) NewCounter(name string, tags ...Tag) *Counter {
	return &Counter{}
}

func (discard) NewGauge(name string, tags ...Tag) *Gauge {
	return &Gauge{}
}
