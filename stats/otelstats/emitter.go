package otelstats

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/internal/seriestable"
)

// meterName is the instrumentation scope of every instrument.
const meterName = "github.com/vitals-go/vitals/stats/otelstats"

// Emitter is a [stats.Emitter] over an OpenTelemetry MeterProvider. Its
// methods never return an error and never panic: a stat the provider cannot
// take is dropped and counted (see [Emitter.Dropped]). They run the
// provider's instrument in the caller's goroutine, as any OTel call does:
// the SDK's instruments aggregate in memory without blocking.
type Emitter struct {
	meter     metric.Meter
	prefix    string
	buckets   []float64
	maxSeries int

	instMu     sync.RWMutex
	instMaking sync.Mutex // held while an instrument is made: see instrumentOf
	insts      map[instKey]*instrument
	exported   map[string]instKey // exported names taken, see exportedName

	table seriestable.Table[series] // see seriesOf

	overflow   atomic.Uint64 // series past MaxSeries or the table's bound
	invalid    atomic.Uint64 // NaN or infinite values, negative counts or timings
	sets       atomic.Uint64 // Set calls, refused
	failed     atomic.Uint64 // stats of an instrument the provider could not make
	conflicts  atomic.Uint64 // stats of an instrument whose exported name another holds
	panics     atomic.Uint64 // panics of the provider or an instrument, recovered
	instErrors atomic.Uint64 // errors the provider returned with an instrument
}

var _ stats.Emitter = (*Emitter)(nil)

// New returns an Emitter over cfg.MeterProvider, or an errctx error naming
// the first invalid field of cfg. Its own health is reported through the
// same provider as vitals.stats.dropped, an Int64ObservableCounter with a
// "reason" attribute (see [Emitter.Dropped]).
func New(cfg Config) (*Emitter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Emitter{
		prefix:    cfg.Prefix,
		buckets:   cfg.Buckets,
		maxSeries: cfg.MaxSeries,
		insts:     make(map[instKey]*instrument),
		exported:  make(map[string]instKey),
	}
	for _, n := range reservedNames {
		e.exported[n] = instKey{kind: kindReserved}
	}
	e.table.Init(maxTotalSeries)
	e.meter = e.meterOf(cfg.MeterProvider)
	e.registerDropped()
	return e, nil
}

// Count adds n to the counter called name. A negative n is dropped and
// counted: an OTel counter only increases (use GaugeDelta for a value that
// goes both ways).
func (e *Emitter) Count(name string, n int64, tags ...stats.Tag) {
	if n < 0 {
		e.invalid.Add(1)
		return
	}
	if s := e.seriesOf(kindCount, name, tags); s != nil {
		defer e.recovered()
		s.inst.count.Add(context.Background(), n, s.add...)
	}
}

// Gauge sets the gauge called name to value. A NaN or infinite value is
// dropped and counted.
func (e *Emitter) Gauge(name string, value float64, tags ...stats.Tag) {
	if !e.finite(value) {
		return
	}
	if s := e.seriesOf(kindGauge, name, tags); s != nil {
		defer e.recovered()
		s.inst.gauge.Record(context.Background(), value, s.record...)
	}
}

// GaugeDelta adds delta to the up-down counter called name. A NaN or
// infinite delta is dropped and counted.
func (e *Emitter) GaugeDelta(name string, delta float64, tags ...stats.Tag) {
	if !e.finite(delta) {
		return
	}
	if s := e.seriesOf(kindDelta, name, tags); s != nil {
		defer e.recovered()
		s.inst.delta.Add(context.Background(), delta, s.add...)
	}
}

// Timing records d, in seconds, in the histogram called name, whose unit is
// "s" and whose boundaries are Config.Buckets. A negative d is dropped and
// counted.
func (e *Emitter) Timing(name string, d time.Duration, tags ...stats.Tag) {
	if d < 0 {
		e.invalid.Add(1)
		return
	}
	if s := e.seriesOf(kindTiming, name, tags); s != nil {
		defer e.recovered()
		s.inst.timing.Record(context.Background(), d.Seconds(), s.record...)
	}
}

// Set is refused: it is dropped and counted under the reason "set".
// OpenTelemetry has no distinct-count instrument, and an approximate count
// kept here could not be merged across processes or collections the way
// statsd's per-flush sets are, so it would be wrong in any dashboard that
// sums it. Count a tag instead, or keep sets on statsd through [stats.Tee].
func (e *Emitter) Set(name string, member string, tags ...stats.Tag) {
	e.sets.Add(1)
}

// NewCounter returns the counter handle of name and tags, the same one for
// the same name and tags. Its total is reported at each collection through
// an Int64ObservableCounter called name, so an increment is an atomic add
// and nothing else. A name is counted either through Count or through a
// handle: both would be one name to a Prometheus exporter, so the second to
// come gets a handle that counts without being reported, and the drop is
// counted once under [ReasonConflict]. Past MaxSeries it returns such a
// handle too, and counts the drop once.
func (e *Emitter) NewCounter(name string, tags ...stats.Tag) *stats.Counter {
	if s := e.seriesOf(kindCounterHandle, name, tags); s != nil {
		return s.counter
	}
	return new(stats.Counter)
}

// NewGauge returns the gauge handle of name and tags, the same one for the
// same name and tags, reported at each collection through a
// Float64ObservableGauge called name (0 until its first change). Past
// MaxSeries it returns a handle that is not reported, and counts the drop
// once.
func (e *Emitter) NewGauge(name string, tags ...stats.Tag) *stats.Gauge {
	if s := e.seriesOf(kindGaugeHandle, name, tags); s != nil {
		return s.gauge
	}
	return new(stats.Gauge)
}

// finite reports whether v is neither NaN nor infinite, counting it as
// dropped if it is.
func (e *Emitter) finite(v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		e.invalid.Add(1)
		return false
	}
	return true
}

// recovered, deferred around an instrument call, recovers a panic of the
// instrument and counts it.
func (e *Emitter) recovered() {
	if recover() != nil {
		e.panics.Add(1)
	}
}
