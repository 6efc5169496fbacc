package otelstats_test

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/otelstats"
)

// Goroutines racing to make the same series, at MaxSeries 1: it is one
// series, within the bound, so no stat of it may be dropped as past the
// bound, and the counter holds every add. Stops at the first round with an
// impossible count.
func TestRacingToMakeOneSeriesAtTheBoundDropsNothing(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	const workers = 8
	for round := range 300 {
		reader := sdkmetric.NewManualReader()
		e, err := otelstats.New(otelstats.Config{MaxSeries: 1,
			MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
		require.NoError(t, err)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				<-start
				e.Count("c", 1, stats.T("k", "v"))
			})
		}
		close(start)
		wg.Wait()
		require.Zero(t, e.Dropped(), "round %d: %d dropped as %d cardinality", round, e.Dropped(), e.DroppedBy(otelstats.ReasonCardinality))
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
		var total int64
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if m.Name == "c" {
					for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
						total += dp.Value
					}
				}
			}
		}
		require.EqualValues(t, workers, total, "round %d", round)
	}
}
