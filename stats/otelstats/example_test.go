package otelstats_test

import (
	"context"
	"fmt"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/otelstats"
)

func ExampleNew() {
	reader := sdkmetric.NewManualReader()
	e, err := otelstats.New(otelstats.Config{
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
		Prefix:        "orders",
	})
	if err != nil {
		panic(err)
	}
	e.Count("http.server.requests", 1, stats.T("route", "GET /orders/{id}"), stats.T("status", "2xx"))
	e.Timing("http.server.duration", 12*time.Millisecond, stats.T("route", "GET /orders/{id}"))

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name != "vitals.stats.dropped" {
			fmt.Printf("%s %q %T\n", m.Name, m.Unit, m.Data)
		}
	}
	// Output:
	// orders.http.server.requests "" metricdata.Sum[int64]
	// orders.http.server.duration "s" metricdata.Histogram[float64]
}
