package stats

import "time"

// Discard is an Emitter that drops everything. Its handles are nil, so
// counting through them costs a nil check and reads back 0; use
// [stats/statstest] to read back what code emits.
var Discard Emitter = discard{}

type discard struct{}

func (discard) Count(string, int64, ...Tag)          {}
func (discard) Gauge(string, float64, ...Tag)        {}
func (discard) GaugeDelta(string, float64, ...Tag)   {}
func (discard) Timing(string, time.Duration, ...Tag) {}
func (discard) Set(string, string, ...Tag)           {}

// NewCounter returns nil: a nil handle does nothing, which is what
// discarding costs least.
func (discard) NewCounter(name string, tags ...Tag) *Counter { return nil }

// NewGauge returns nil, as NewCounter does.
func (discard) NewGauge(name string, tags ...Tag) *Gauge { return nil }
