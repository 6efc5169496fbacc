package otelstats_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/otelstats"
)

// servedToPrometheus returns an Emitter of cfg whose stats the OTel
// Prometheus exporter, made with opts, serves on a loopback server, and a
// function scraping it as Prometheus does.
func servedToPrometheus(t *testing.T, cfg otelstats.Config, opts ...otelprom.Option) (*otelstats.Emitter, func() (int, string)) {
	t.Helper()
	registry := promclient.NewRegistry()
	exporter, err := otelprom.New(append([]otelprom.Option{otelprom.WithRegisterer(registry)}, opts...)...)
	require.NoError(t, err)
	cfg.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	e, err := otelstats.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	return e, func() (int, string) {
		resp, err := srv.Client().Get(srv.URL)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
}

// The exporter's default adds otel_scope_name, otel_scope_version and
// otel_scope_schema_url to every sample, and writes a tag key's dots and
// runs of underscores as one '_': a key spelled otel.scope.name is the
// exporter's own label by then, and a duplicate label costs the whole
// scrape. The doc promises such keys get "exported_" in front.
func TestTagKeysSpellingTheExportersScopeLabelsNeverBreakAScrape(t *testing.T) {
	cases := map[string]string{
		"otel.scope.name":       `exported_otel_scope_name="v"`,
		"otel__scope__name":     `exported_otel_scope_name="v"`,
		"otel.scope.version":    `exported_otel_scope_version="v"`,
		"otel_scope.schema_url": `exported_otel_scope_schema_url="v"`,
		"otel-scope-name":       `exported_otel_scope_name="v"`,
		"quantile.":             `quantile_="v"`, // not the exporter's: kept
	}
	for key, want := range cases {
		t.Run(key, func(t *testing.T) {
			e, scrape := servedToPrometheus(t, otelstats.Config{})
			e.Count("c", 1, stats.T(key, "v"))
			code, body := scrape()
			require.Equal(t, http.StatusOK, code, "%.2000s", body)
			assert.Contains(t, body, want)
			assert.Zero(t, e.Dropped())
		})
	}
}
