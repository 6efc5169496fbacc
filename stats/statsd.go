package stats

import "time"

// Config configures [NewStatsd]. Its zero value means the documented
// defaults.
type Config struct {
	// Addr is the statsd server's host:port. Default: $STATSD_ADDR, else
	// 127.0.0.1:8125.
	Addr string
}

// Statsd is the non-blocking statsd [Emitter].
type Statsd struct{}

var _ Emitter = (*Statsd)(nil)

// NewStatsd returns a Statsd configured by cfg.
func NewStatsd(cfg Config) (*Statsd, error) { return &Statsd{}, nil }

// Count implements [Emitter].
func (s *Statsd) Count(name string, n int64, tags ...Tag) {}

// Gauge implements [Emitter].
func (s *Statsd) Gauge(name string, value float64, tags ...Tag) {}

// GaugeDelta implements [Emitter].
func (s *Statsd) GaugeDelta(name string, delta float64, tags ...Tag) {}

// Timing implements [Emitter].
func (s *Statsd) Timing(name string, d time.Duration, tags ...Tag) {}

// Set implements [Emitter].
func (s *Statsd) Set(name string, member string, tags ...Tag) {}

// NewCounter implements [Emitter].
func (s *Statsd) NewCounter(name string, tags ...Tag) *Counter { return &Counter{} }

// NewGauge implements [Emitter].
func (s *Statsd) NewGauge(name string, tags ...Tag) *Gauge { return &Gauge{} }

// Dropped returns how many stats were dropped so far.
func (s *Statsd) Dropped() uint64 { return 0 }

// SendErrors returns how many packet writes failed so far.
func (s *Statsd) SendErrors() uint64 { return 0 }

// Close flushes and stops the emitter.
func (s *Statsd) Close() error { return nil }
