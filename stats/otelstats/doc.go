// Package otelstats is a [stats.Emitter] over an OpenTelemetry
// MeterProvider, so that code written against vitals' stats (vitals' own
// breaker, middleware, gRPC and retry metrics included) reports to an OTel
// collector or a Prometheus exporter unchanged.
//
// How each call maps to OTel:
//
//   - Count: an Int64Counter (a negative count is dropped: OTel counters
//     only increase);
//   - Gauge: a Float64Gauge;
//   - GaugeDelta: a Float64UpDownCounter;
//   - Timing: a Float64Histogram in seconds (unit "s"), with the explicit
//     boundaries of Config.Buckets ([DefaultBuckets]: 0.5 ms to 30 s);
//   - Set: refused, dropped and counted (see [Emitter.Set] for why);
//   - NewCounter, NewGauge: an Int64ObservableCounter and a
//     Float64ObservableGauge that read the handles at each collection, so
//     an increment stays one atomic add.
//
// Names are those the statsd emitter sends: Config.Prefix and the name,
// passed through [stats.Sanitize] (lower case, dots kept); the unit is in
// the instrument, never in the name, and an exporter adds its own suffixes
// (Prometheus' exporter writes db.query as db_query_seconds). Tags become
// string attributes, without the Graphite escaping but made safe for every
// exporter, since the Prometheus exporter refuses a whole scrape over one
// bad label: a key keeps A-Z, a-z, 0-9, '_' and '.', any other rune
// becoming '_'; a key with no letter or digit, or starting "__", gets "key"
// in front; le, quantile and otel_scope_* (however many '.' and '_' spell
// their underscores: otel.scope.name is the exporter's otel_scope_name)
// get "exported_" in front. A value
// keeps any UTF-8 but control characters (C0, DEL, C1) and bidirectional
// controls, which become '_', and bytes of invalid UTF-8, which become
// U+FFFD; an empty value is "_", as statsd writes it. Keys that map alike
// are one attribute, the last tag's value winning.
//
// The contracts of the statsd emitter hold: no call returns an error or
// panics (a provider or instrument that panics is recovered and counted);
// each instrument takes at most Config.MaxSeries distinct tag lists, and a
// stat with a further one is dropped and counted, never merged into another
// series; two instruments a Prometheus exporter would write under one
// name (see [ReasonConflict]) are refused, the first keeping the name, so
// that no stat can make the exporter refuse a scrape; once a series is
// known, a call costs no allocation. What is dropped is reported through the same provider as vitals.stats.dropped by
// reason, and by [Emitter.Dropped].
//
// The smallest complete use:
//
//	e, err := otelstats.New(otelstats.Config{}) // otel.GetMeterProvider()
//	if err != nil {
//		return err
//	}
//	stats.SetDefault(e)
package otelstats
