package bench_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/otelstats"
)

// BenchmarkOTelCounter compares a tagged counter by name through vitals'
// OTel emitter with what a hand-written OTel call costs: Counter.Add with
// an attribute set and option slice built once. Both run on the SDK with a
// manual reader, so the aggregation cost is the same; the difference is
// what the emitter adds (finding the series by name and tags). The statsd
// emitter's same call is beside them.
func BenchmarkOTelCounter(b *testing.B) {
	newProvider := func() *sdkmetric.MeterProvider {
		return sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	}
	b.Run("otel-direct", func(b *testing.B) {
		c, err := newProvider().Meter("bench").Int64Counter("http.server.requests")
		if err != nil {
			b.Fatal(err)
		}
		opts := []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
			attribute.String("route", "/users"), attribute.String("status", "2xx")))}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			c.Add(ctx, 1, opts...)
		}
	})
	b.Run("vitals-otelstats", func(b *testing.B) {
		e, err := otelstats.New(otelstats.Config{MeterProvider: newProvider()})
		if err != nil {
			b.Fatal(err)
		}
		var em stats.Emitter = e // as library code holds it
		em.Count("http.server.requests", 1, stats.T("route", "/users"), stats.T("status", "2xx"))
		b.ReportAllocs()
		for b.Loop() {
			em.Count("http.server.requests", 1, stats.T("route", "/users"), stats.T("status", "2xx"))
		}
	})
	b.Run("vitals-statsd", func(b *testing.B) { // the same call through the statsd emitter, beside
		s, err := stats.NewStatsd(stats.Config{Addr: statsSink(b)})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		var em stats.Emitter = s
		b.ReportAllocs()
		for b.Loop() {
			em.Count("http.server.requests", 1, stats.T("route", "/users"), stats.T("status", "2xx"))
		}
		b.ReportMetric(float64(s.Dropped())/float64(b.N), "dropped/op")
	})
	b.Run("vitals-otelstats-handle", func(b *testing.B) {
		e, err := otelstats.New(otelstats.Config{MeterProvider: newProvider()})
		if err != nil {
			b.Fatal(err)
		}
		c := e.NewCounter("http.server.requests", stats.T("route", "/users"), stats.T("status", "2xx"))
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
		}
	})
}
