package otelstats

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// Reasons a stat is dropped, the values of vitals.stats.dropped's "reason".
const (
	// ReasonCardinality: a series past Config.MaxSeries for its instrument,
	// or past the 8192 series of an Emitter.
	ReasonCardinality = "cardinality"
	// ReasonInvalid: a NaN or infinite value, a negative count or timing.
	ReasonInvalid = "invalid"
	// ReasonSet: a Set call, which this Emitter refuses.
	ReasonSet = "set"
	// ReasonFailed: a stat for an instrument the provider did not make
	// (it panicked or returned none).
	ReasonFailed = "failed"
	// ReasonPanic: an instrument call that panicked, recovered.
	ReasonPanic = "panic"
	// ReasonConflict: a stat for an instrument whose name a Prometheus
	// exporter would write as another's (the same name by Count and by
	// NewCounter, a.b beside a_b, a gauge x_total beside a counter x, a
	// gauge x_seconds_count beside a timing x, whose series it names), or
	// as target_info or vitals_stats_dropped_total: the first instrument
	// keeps the name, since two would make the exporter refuse the scrape.
	ReasonConflict = "conflict"
)

// Dropped returns how many stats the Emitter lost since it was made, for
// every reason (the sum of [Emitter.DroppedBy] over the Reason constants).
func (e *Emitter) Dropped() uint64 {
	return e.overflow.Load() + e.invalid.Load() + e.sets.Load() + e.failed.Load() + e.panics.Load() +
		e.conflicts.Load()
}

// DroppedBy returns how many stats the Emitter lost for reason, one of the
// Reason constants (0 for any other).
func (e *Emitter) DroppedBy(reason string) uint64 {
	switch reason {
	case ReasonCardinality:
		return e.overflow.Load()
	case ReasonInvalid:
		return e.invalid.Load()
	case ReasonSet:
		return e.sets.Load()
	case ReasonFailed:
		return e.failed.Load()
	case ReasonPanic:
		return e.panics.Load()
	case ReasonConflict:
		return e.conflicts.Load()
	}
	return 0
}

// meterOf returns the provider's meter, or a no-op meter when the provider
// panics or returns none: every stat then goes nowhere, as with no provider.
func (e *Emitter) meterOf(p metric.MeterProvider) (m metric.Meter) {
	defer func() {
		if recover() != nil {
			e.panics.Add(1)
			m = noop.Meter{}
		}
	}()
	if m = p.Meter(meterName); m == nil {
		m = noop.Meter{}
	}
	return m
}

// registerDropped reports Dropped by reason through the meter, so that
// losses show where the stats go.
func (e *Emitter) registerDropped() {
	defer func() {
		if recover() != nil {
			e.panics.Add(1)
		}
	}()
	reasons := []string{ReasonCardinality, ReasonInvalid, ReasonSet, ReasonFailed, ReasonPanic, ReasonConflict}
	opts := make([]metric.ObserveOption, len(reasons))
	for i, r := range reasons {
		opts[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", r)))
	}
	_, _ = e.meter.Int64ObservableCounter("vitals.stats.dropped", metric.WithUnit("{stat}"),
		metric.WithDescription("stats the vitals OTel emitter lost, by reason"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			for i, r := range reasons {
				o.Observe(int64(e.DroppedBy(r)), opts[i])
			}
			return nil
		}))
}
