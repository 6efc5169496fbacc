package otelstats

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// newTest returns an Emitter over a fresh SDK provider read by a manual
// reader, and a function collecting what it holds by instrument name.
func newTest(t *testing.T, cfg Config) (*Emitter, func() map[string]metricdata.Metrics) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	cfg.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	e, err := New(cfg)
	require.NoError(t, err)
	return e, func() map[string]metricdata.Metrics {
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
		out := map[string]metricdata.Metrics{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				out[m.Name] = m
			}
		}
		return out
	}
}

// attrs returns the attribute set of key-value pairs.
func attrs(kv ...string) attribute.Set {
	var list []attribute.KeyValue
	for i := 0; i+1 < len(kv); i += 2 {
		list = append(list, attribute.String(kv[i], kv[i+1]))
	}
	return attribute.NewSet(list...)
}

// sumOf returns the value of the int64 sum m for set, failing when absent.
func sumOf(t *testing.T, m metricdata.Metrics, set attribute.Set) int64 {
	t.Helper()
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a %T, not an int64 sum", m.Name, m.Data)
	for _, dp := range sum.DataPoints {
		if dp.Attributes.Equals(&set) {
			return dp.Value
		}
	}
	require.Failf(t, "no data point", "%s has no point for %v", m.Name, set.ToSlice())
	return 0
}

// pointsOf returns how many data points m holds.
func pointsOf(m metricdata.Metrics) int {
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		return len(d.DataPoints)
	case metricdata.Sum[float64]:
		return len(d.DataPoints)
	case metricdata.Gauge[float64]:
		return len(d.DataPoints)
	case metricdata.Histogram[float64]:
		return len(d.DataPoints)
	}
	return -1
}

// sumOfIfAny returns the value of the int64 sum m for set, 0 when m or the
// point is absent.
func sumOfIfAny(m metricdata.Metrics, set attribute.Set) int64 {
	sum, _ := m.Data.(metricdata.Sum[int64])
	for _, dp := range sum.DataPoints {
		if dp.Attributes.Equals(&set) {
			return dp.Value
		}
	}
	return 0
}
