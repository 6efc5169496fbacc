package otelstats

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vitals-go/vitals/stats"
)

// newPrometheus returns an Emitter whose stats the OTel Prometheus exporter
// serves on a loopback server, and a function scraping it.
func newPrometheus(t *testing.T) (*Emitter, func() (int, string)) {
	t.Helper()
	registry := promclient.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	require.NoError(t, err)
	e, err := New(Config{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))})
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

// No tag, however hostile, makes the exporter refuse the scrape: one bad
// tag must not cost every other metric of the process. Each hostile key or
// value gets a series of its own, under the documented mapping.
func TestHostileTagsNeverBreakAPrometheusScrape(t *testing.T) {
	cases := []struct {
		tag  stats.Tag
		want string // the sample's labels in the exposition
	}{
		{stats.T("", "v"), `c_total{key="v"}`},
		{stats.T("é", "v"), `c_total{key_="v"}`},
		{stats.T("__name__", "v"), `c_total{key_name_="v"}`}, // key__name__: the exporter squeezes "__"
		{stats.T("le", "v"), `c_total{exported_le="v"}`},
		{stats.T("quantile", "v"), `c_total{exported_quantile="v"}`},
		{stats.T("otel_scope_name", "v"), `c_total{exported_otel_scope_name="v"}`},
		{stats.T("a-b", "v"), `c_total{a_b="v"}`},
		{stats.T("k", ""), `c_total{k="_"}`},
		{stats.T("k", "bad\xffutf8"), "c_total{k=\"bad\ufffdutf8\"}"},
		{stats.T("k", "c0\x01del\x7fc1\u0085lf\n"), `c_total{k="c0_del_c1_lf_"}`},
		{stats.T("k", "bidi\u202e\u2066x\u2069"), `c_total{k="bidi__x_"}`},
		{stats.T("k", `q"b\`), `c_total{k="q\"b\\"}`},
	}
	e, scrape := newPrometheus(t)
	e.Count("c", 1)
	for _, c := range cases {
		e.Count("c", 1, c.tag)
		e.Timing("h", time.Millisecond, c.tag)
		e.Gauge("g", 1, c.tag)
	}
	code, body := scrape()
	require.Equal(t, http.StatusOK, code, "%.2000s", body)
	assert.Contains(t, body, "c_total 1\n", "the untagged series")
	for _, c := range cases {
		assert.True(t, strings.Contains(body, c.want+" 1\n"), "tag %q: no %s", c.tag, c.want)
	}
	assert.Equal(t, len(cases)+1, strings.Count(body, "\nc_total"), "one series per tag")
	assert.Equal(t, len(cases), strings.Count(body, "\nh_seconds_count"), "one histogram per tag")
	assert.Zero(t, e.Dropped())
}
