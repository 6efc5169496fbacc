package otelstats

import (
	"math"
	"strconv"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"

	"github.com/vitals-go/vitals/internal/configerr"
)

// DefaultBuckets are the histogram boundaries of timings, in seconds: from
// half a millisecond to 30 s, about 2.5x apart, so that the latencies of
// cached lookups, database calls and slow outbound requests each fall in
// buckets fine enough for a useful p50/p99.
var DefaultBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// DefaultMaxSeries is how many distinct tag lists an instrument takes by
// default.
const DefaultMaxSeries = 1000

// maxTotalSeries bounds the series of one Emitter, all instruments
// together: the table that finds them has twice as many slots.
const maxTotalSeries = 1 << 13

// Config configures [New]. The zero value means the defaults.
type Config struct {
	// MeterProvider makes the instruments. Default: otel.GetMeterProvider(),
	// read once by New.
	MeterProvider metric.MeterProvider
	// Prefix goes in front of every name, followed by a dot, as
	// stats.Config.Prefix does, so both backends name a series alike.
	Prefix string
	// Buckets are the explicit histogram boundaries of timings, in seconds:
	// at least one, finite, strictly increasing (the +Inf bucket is always
	// there). Default, when nil: [DefaultBuckets].
	Buckets []float64
	// MaxSeries bounds the distinct tag lists of one instrument (a name and
	// a kind); a stat with a further tag list is dropped and counted, never
	// merged into another series. Default: [DefaultMaxSeries]. Whatever the
	// bound, one Emitter holds at most 8192 series in all.
	MaxSeries int
}

// withDefaults returns cfg with its defaults filled in, or an error naming
// the first invalid field.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.MeterProvider == nil {
		cfg.MeterProvider = otel.GetMeterProvider()
	}
	if cfg.Buckets == nil {
		cfg.Buckets = DefaultBuckets
	}
	if cfg.MaxSeries == 0 {
		cfg.MaxSeries = DefaultMaxSeries
	}
	if cfg.MaxSeries < 0 {
		return cfg, configerr.New("otelstats", "Config.MaxSeries", "is "+strconv.Itoa(cfg.MaxSeries),
			"set a positive bound, or 0 for the default of 1000")
	}
	if len(cfg.Buckets) == 0 {
		return cfg, configerr.New("otelstats", "Config.Buckets", "is empty (the SDK would use its own boundaries, 0 to 10000, as seconds)",
			"list at least one boundary in seconds, or leave Buckets nil for DefaultBuckets")
	}
	for i, b := range cfg.Buckets {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			return cfg, configerr.New("otelstats", "Config.Buckets", "holds "+strconv.FormatFloat(b, 'g', -1, 64)+" at index "+strconv.Itoa(i),
				"list finite boundaries in seconds; the +Inf bucket is always there")
		}
	}
	for i := 1; i < len(cfg.Buckets); i++ {
		if !(cfg.Buckets[i] > cfg.Buckets[i-1]) {
			return cfg, configerr.New("otelstats", "Config.Buckets", "is not strictly increasing at index "+strconv.Itoa(i),
				"list the boundaries in seconds, each greater than the one before, or leave Buckets nil for DefaultBuckets")
		}
	}
	cfg.Buckets = append([]float64(nil), cfg.Buckets...)
	// No instrument can hold more than the Emitter; a larger bound would
	// also not fit the int32 that counts an instrument's series.
	cfg.MaxSeries = min(cfg.MaxSeries, maxTotalSeries)
	return cfg, nil
}
