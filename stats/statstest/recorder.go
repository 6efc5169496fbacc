// Package statstest records stats in memory for tests.
package statstest

import (
	"time"

	"github.com/vitals-go/vitals/stats"
)

// Recorder is an in-memory [stats.Emitter] for tests.
type Recorder struct{}

var _ stats.Emitter = (*Recorder)(nil)

// New returns an empty Recorder.
func New() *Recorder { return &Recorder{} }

// Count implements [stats.Emitter].
func (r *Recorder) Count(name string, n int64, tags ...stats.Tag) {}

// Gauge implements [stats.Emitter].
func (r *Recorder) Gauge(name string, value float64, tags ...stats.Tag) {}

// GaugeDelta implements [stats.Emitter].
func (r *Recorder) GaugeDelta(name string, delta float64, tags ...stats.Tag) {}

// Timing implements [stats.Emitter].
func (r *Recorder) Timing(name string, d time.Duration, tags ...stats.Tag) {}

// Set implements [stats.Emitter].
func (r *Recorder) Set(name string, member string, tags ...stats.Tag) {}

// NewCounter implements [stats.Emitter].
func (r *Recorder) NewCounter(name string, tags ...stats.Tag) *stats.Counter { return &stats.Counter{} }

// NewGauge implements [stats.Emitter].
func (r *Recorder) NewGauge(name string, tags ...stats.Tag) *stats.Gauge { return &stats.Gauge{} }

// Counted returns the total counted for name with exactly tags.
func (r *Recorder) Counted(name string, tags ...stats.Tag) int64 { return 0 }

// GaugeValue returns the gauge's value and whether it was set.
func (r *Recorder) GaugeValue(name string, tags ...stats.Tag) (float64, bool) { return 0, false }

// Timings returns recorded durations for name with exactly tags.
func (r *Recorder) Timings(name string, tags ...stats.Tag) []time.Duration { return nil }

// Members returns the distinct members recorded in set name.
func (r *Recorder) Members(name string, tags ...stats.Tag) []string { return nil }
