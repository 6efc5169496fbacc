package otelstats_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/otelstats"
)

// Serving vitals' stats to Prometheus: the OTel Prometheus exporter reads
// the provider at each scrape of /metrics. examples/service -metrics otel
// does this on its own server.
func ExampleNew_prometheus() {
	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry), otelprom.WithoutScopeInfo())
	if err != nil {
		panic(err)
	}
	e, err := otelstats.New(otelstats.Config{
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter)),
		Prefix:        "orders",
	})
	if err != nil {
		panic(err)
	}
	// A service would also call stats.SetDefault(e), so that its breakers,
	// middleware and retries report there too.

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	e.NewCounter("http.server.requests", stats.T("route", "POST /orders"), stats.T("status", "2xx")).Add(3)
	e.Gauge("breaker.payments.state", 2)

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "orders_") {
			fmt.Println(line)
		}
	}
	// Output:
	// orders_breaker_payments_state 2
	// orders_http_server_requests_total{route="POST /orders",status="2xx"} 3
}
