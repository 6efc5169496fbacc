package otelstats

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/vitals-go/vitals/stats"
)

// badProvider is a MeterProvider whose meter panics when asked for an
// Int64Counter, returns nil gauges, and makes histograms that panic when
// recording.
type badProvider struct{ noop.MeterProvider }

func (badProvider) Meter(string, ...metric.MeterOption) metric.Meter { return badMeter{} }

type badMeter struct{ noop.Meter }

func (badMeter) Int64Counter(string, ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	panic("counter refused")
}

func (badMeter) Float64Gauge(string, ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	return nil, assert.AnError
}

func (badMeter) Float64Histogram(string, ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return panickingHistogram{}, nil
}

type panickingHistogram struct{ noop.Float64Histogram }

func (panickingHistogram) Record(context.Context, float64, ...metric.RecordOption) {
	panic("record refused")
}

// panickingProvider panics when asked for a meter.
type panickingProvider struct{ noop.MeterProvider }

func (panickingProvider) Meter(string, ...metric.MeterOption) metric.Meter { panic("no meter") }

func TestAFailingProviderNeverReachesTheCaller(t *testing.T) {
	e, err := New(Config{MeterProvider: badProvider{}})
	require.NoError(t, err)
	for range 3 {
		assert.NotPanics(t, func() { e.Count("c", 1) })
		assert.NotPanics(t, func() { e.Gauge("g", 1) })
		assert.NotPanics(t, func() { e.Timing("t", 1) })
	}
	assert.EqualValues(t, 6, e.DroppedBy(ReasonFailed), "stats of c and g, which the provider did not make")
	assert.EqualValues(t, 4, e.DroppedBy(ReasonPanic), "three recordings and one construction panicked")
}

func TestAPanickingMeterProviderGivesANoopEmitter(t *testing.T) {
	var e *Emitter
	require.NotPanics(t, func() {
		var err error
		e, err = New(Config{MeterProvider: panickingProvider{}})
		require.NoError(t, err)
	})
	assert.NotPanics(t, func() { e.Count("c", 1, stats.T("k", "v")) })
	assert.NotPanics(t, func() { e.NewCounter("h").Inc() })
	assert.EqualValues(t, 1, e.DroppedBy(ReasonPanic))
}
