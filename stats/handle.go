package stats

import (
	"math"
	"sync/atomic"

	"github.com/vitals-go/vitals/internal/stripe"
)

// Counter is a pre-registered counter handle. Inc and Add are atomic adds
// that never allocate or block; a [Statsd] sends what was added since its
// previous flush once per flush interval, so a hot loop costs one add per
// call and one line per interval. A nil *Counter does nothing and the zero
// Counter counts without sending anywhere.
//
// A handle starts as one word: the first time two adds meet, it spreads
// over cache lines (1 KB at GOMAXPROCS 2, 4 KB from 8 up), so goroutines adding
// at once on different cores stop contending, and only handles that are
// hot pay for it. [Discard]'s handles are nil: they cost a nil check.
type Counter struct {
	n      stripe.Counter
	sent   int64  // total already sent; owned by the flushing goroutine
	line   string // the wire line up to the value, e.g. "app.requests:"
	suffix string // after the value, e.g. "|c" or "|c|#k:v"
}

// handleWire returns the text of a handle's lines, its head (the name,
// Graphite tags and ':') then typ and DogStatsD tags, and the length of the
// head. The name is sanitised without the name cache: a handle is made
// once, and caching its name would only evict the names that Count and
// Timing look up on every call.
func (s *Statsd) handleWire(name string, tags []Tag, typ string) ([]byte, int) {
	b := appendSanitized(append([]byte(nil), s.names.prefix...), name)
	b = append(s.format.appendInfixTags(b, tags), ':')
	n := len(b)
	return s.format.appendSuffixTags(append(b, typ...), tags), n
}

// Inc adds one.
func (c *Counter) Inc() { c.Add(1) }

// Add adds n, which may be negative.
func (c *Counter) Add(n int64) {
	if c != nil {
		c.n.AddSpreading(n)
	}
}

// Value returns the total added since the counter was made.
func (c *Counter) Value() int64 {
	if c == nil {
		return 0
	}
	return c.n.Load()
}

// Gauge is a pre-registered gauge handle. Set and Add change it atomically
// without allocating; a [Statsd] sends its value once per flush interval
// from the first change on (a NaN or infinite value is not sent, and counts
// as dropped at each flush). A nil *Gauge does nothing and the zero Gauge
// keeps its value without sending it anywhere.
type Gauge struct {
	bits atomic.Uint64
	set  atomic.Bool // changed at least once: worth sending
	line []byte      // the wire line up to the value, e.g. "app.pool:"
	tail []byte      // DogStatsD tags after the type, e.g. "|#k:v", or nothing
}

// Set sets the gauge to v.
func (g *Gauge) Set(v float64) {
	if g == nil {
		return
	}
	g.bits.Store(math.Float64bits(v))
	g.markSet()
}

// Add adds delta, which may be negative, to the gauge.
func (g *Gauge) Add(delta float64) {
	if g == nil {
		return
	}
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			break
		}
	}
	g.markSet()
}

func (g *Gauge) markSet() {
	if !g.set.Load() {
		g.set.Store(true)
	}
}

// Value returns the gauge's current value (0 before any change).
func (g *Gauge) Value() float64 {
	if g == nil {
		return 0
	}
	return math.Float64frombits(g.bits.Load())
}
