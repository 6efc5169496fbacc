package otelstats

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"

	"github.com/vitals-go/vitals/stats"
)

// kind is what an instrument records.
type kind uint8

const (
	kindCount         kind = iota // Int64Counter
	kindGauge                     // Float64Gauge
	kindDelta                     // Float64UpDownCounter
	kindTiming                    // Float64Histogram, seconds
	kindCounterHandle             // Int64ObservableCounter over stats.Counter handles
	kindGaugeHandle               // Float64ObservableGauge over stats.Gauge handles
)

// instrument is one OTel instrument: a name and a kind. At most one of its
// fields is set, by its kind; none when the provider failed to make it, or
// when its name conflicts with another instrument's (see exportedName).
type instrument struct {
	kind     kind
	conflict bool         // never made: another instrument holds its exported name
	taken    atomic.Int32 // series (tag lists) made, at most Config.MaxSeries
	count    metric.Int64Counter
	gauge    metric.Float64Gauge
	delta    metric.Float64UpDownCounter
	timing   metric.Float64Histogram
	// handles are the series of a handle kind, observed at each collection;
	// replaced, never changed, so a callback reads it without a lock.
	handles atomic.Pointer[[]*series]
	mu      sync.Mutex // serialises changes of handles
}

// instKey names an instrument in the Emitter's map.
type instKey struct {
	kind kind
	name string // the OTel name
}

// instrumentOf returns the instrument of kind called name (the caller's
// spelling), making it at first use. The provider is called without a lock
// held: a provider that blocks holds up only its own caller.
func (e *Emitter) instrumentOf(k kind, name string) *instrument {
	key := instKey{kind: k, name: e.otelName(name)}
	e.instMu.RLock()
	in := e.insts[key]
	e.instMu.RUnlock()
	if in != nil {
		return in
	}
	// One instrument is made at a time: two goroutines racing to make one
	// would both register an observable callback with the provider, and
	// the one not kept would stay registered for good.
	e.instMaking.Lock()
	defer e.instMaking.Unlock()
	e.instMu.RLock()
	in = e.insts[key]
	e.instMu.RUnlock()
	if in != nil {
		return in
	}
	in = &instrument{kind: k, conflict: true}
	if e.claim(key) {
		in = e.makeInstrument(key)
	}
	e.instMu.Lock()
	e.insts[key] = in
	e.instMu.Unlock()
	return in
}

// makeInstrument asks the provider's meter for the instrument of key. A
// provider that panics or fails leaves the instrument empty, so that its
// stats are dropped and counted without asking again.
func (e *Emitter) makeInstrument(key instKey) (in *instrument) {
	in = &instrument{kind: key.kind}
	defer func() {
		if recover() != nil {
			e.panics.Add(1)
			in = &instrument{kind: key.kind}
		}
	}()
	var err error
	switch key.kind {
	case kindCount:
		in.count, err = e.meter.Int64Counter(key.name)
	case kindGauge:
		in.gauge, err = e.meter.Float64Gauge(key.name)
	case kindDelta:
		in.delta, err = e.meter.Float64UpDownCounter(key.name)
	case kindTiming:
		in.timing, err = e.meter.Float64Histogram(key.name, metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(e.buckets...))
	case kindCounterHandle:
		_, err = e.meter.Int64ObservableCounter(key.name, metric.WithInt64Callback(in.observeCounters))
	case kindGaugeHandle:
		_, err = e.meter.Float64ObservableGauge(key.name, metric.WithFloat64Callback(in.observeGauges))
	}
	if err != nil {
		// The SDK returns a working instrument with an error it has already
		// reported (a name it warns about); keep it, as OTel advises.
		e.instErrors.Add(1)
	}
	return in
}

// broken reports whether the instrument was not made: its name conflicts,
// or the provider failed.
func (in *instrument) broken() bool {
	if in.conflict {
		return true
	}
	switch in.kind {
	case kindCount:
		return in.count == nil
	case kindGauge:
		return in.gauge == nil
	case kindDelta:
		return in.delta == nil
	case kindTiming:
		return in.timing == nil
	}
	return false
}

// addHandle adds s to the series observed at each collection.
func (in *instrument) addHandle(s *series) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.handles.Store(appended(in.handles.Load(), s))
}

// observeCounters reports each counter series' total, its handle's and
// those reported to it: an OTel observable counter takes the running total,
// which is what stats.Counter.Value is.
func (in *instrument) observeCounters(_ context.Context, o metric.Int64Observer) error {
	if list := in.handles.Load(); list != nil {
		for _, s := range *list {
			n := s.counter.Value()
			if more := s.reportedCounters.Load(); more != nil {
				for _, c := range *more {
					n += c.Value()
				}
			}
			o.Observe(n, s.observe...)
		}
	}
	return nil
}

// observeGauges reports each gauge series' current value: that of the
// handle last reported to it, else its own.
func (in *instrument) observeGauges(_ context.Context, o metric.Float64Observer) error {
	if list := in.handles.Load(); list != nil {
		for _, s := range *list {
			g := s.gauge
			if more := s.reportedGauges.Load(); more != nil {
				g = (*more)[len(*more)-1]
			}
			o.Observe(g.Value(), s.observe...)
		}
	}
	return nil
}

// newHandles returns the handle a series of kind k gives out: a zero
// handle counts or holds its value without sending it anywhere, and the
// instrument's callback reads it at each collection.
func newHandles(k kind) (*stats.Counter, *stats.Gauge) {
	switch k {
	case kindCounterHandle:
		return new(stats.Counter), nil
	case kindGaugeHandle:
		return nil, new(stats.Gauge)
	}
	return nil, nil
}
