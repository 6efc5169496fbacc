package stats

import (
	"sync/atomic"
	"time"
)

// Emitter sends stats. No method returns an error, blocks for more than a
// bounded, tiny time, or panics: observability never fails the caller.
//
// Names are sanitised into Graphite-safe names (see [Sanitize]); tags are
// sorted by key and de-duplicated (see [Tag]).
type Emitter interface {
	// Count adds n to the counter called name.
	Count(name string, n int64, tags ...Tag)
	// Gauge sets the gauge called name to value.
	Gauge(name string, value float64, tags ...Tag)
	// GaugeDelta adds delta (which may be negative) to the gauge called name.
	GaugeDelta(name string, delta float64, tags ...Tag)
	// Timing records one duration for the timer called name; it is sent in
	// milliseconds with decimals.
	Timing(name string, d time.Duration, tags ...Tag)
	// Set records member as seen in the set called name (unique counting).
	Set(name string, member string, tags ...Tag)
	// NewCounter returns a pre-registered counter handle for hot paths: the
	// name is sanitised once, increments are atomic adds aggregated in the
	// process and flushed each interval.
	NewCounter(name string, tags ...Tag) *Counter
	// NewGauge returns a pre-registered gauge handle, flushed each interval
	// with its latest value.
	NewGauge(name string, tags ...Tag) *Gauge
}

var defaultEmitter atomic.Pointer[emitterBox]

// emitterBox lets an interface value live behind an atomic.Pointer.
type emitterBox struct{ e Emitter }

// Default returns the process-wide emitter set by [SetDefault], or [Discard]
// until one is set.
func Default() Emitter {
	if b := defaultEmitter.Load(); b != nil {
		return b.e
	}
	return Discard
}

// SetDefault makes e the emitter returned by [Default]. A nil e restores
// [Discard].
func SetDefault(e Emitter) {
	if e == nil {
		e = Discard
	}
	defaultEmitter.Store(&emitterBox{e: e})
}
