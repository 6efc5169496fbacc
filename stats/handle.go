package stats

import (
	"math"
	"sync/atomic"
)

// Counter is a pre-registered counter handle. Inc and Add are atomic adds
// with no allocation; the total since the last flush is sent each flush
// interval. A nil *Counter is valid and does nothing.
type Counter struct {
	n atomic.Int64
}

// Inc adds one.
func (c *Counter) Inc() { c.Add(1) }

// Add adds n.
func (c *Counter) Add(n int64) {
	if c == nil {
		return
	}
	c.n.Add(n)
}

// Gauge is a pre-registered gauge handle. Its latest value is sent each flush
// interval. A nil *Gauge is valid and does nothing.
type Gauge struct {
	bits atomic.Uint64
}

// Set sets the gauge to v.
func (g *Gauge) Set(v float64) {
	if g == nil {
		return
	}
	g.bits.Store(math.Float64bits(v))
}

// Add adds delta to the gauge.
func (g *Gauge) Add(delta float64) {
	if g == nil {
		return
	}
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			return
		}
	}
}
