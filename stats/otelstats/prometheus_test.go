package otelstats_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/otelstats"
)

// newPrometheus returns an Emitter whose stats the OTel Prometheus exporter
// serves on a loopback server, and a function scraping it. The exporter
// writes no scope labels (WithoutScopeInfo).
func newPrometheus(t *testing.T) (*otelstats.Emitter, func() (int, string)) {
	t.Helper()
	return servedToPrometheus(t, otelstats.Config{}, otelprom.WithoutScopeInfo())
}

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

// Two instruments the Prometheus exporter would write under one name (the
// same name by Count and by a handle, a gauge and an up-down counter, a.b
// and a_b, a gauge x_total beside a counter x) would make it refuse the
// whole scrape. The first keeps the name; the second's stats are dropped
// and counted under the reason "conflict".
func TestNamesPrometheusWouldMergeAreRefusedNotScrapeBreaking(t *testing.T) {
	cases := map[string]struct {
		emit func(e *otelstats.Emitter)
		want string // the first instrument's sample
	}{
		"Count then NewCounter":  {func(e *otelstats.Emitter) { e.Count("x", 1); e.NewCounter("x").Add(5) }, "x_total 1\n"},
		"NewCounter then Count":  {func(e *otelstats.Emitter) { e.NewCounter("x").Add(5); e.Count("x", 1) }, "x_total 5\n"},
		"Gauge then GaugeDelta":  {func(e *otelstats.Emitter) { e.Gauge("x", 1); e.GaugeDelta("x", 3) }, "x 1\n"},
		"NewGauge then Gauge":    {func(e *otelstats.Emitter) { e.NewGauge("x").Set(4); e.Gauge("x", 1) }, "x 4\n"},
		"a.b then a_b":           {func(e *otelstats.Emitter) { e.Gauge("a.b", 1); e.Gauge("a_b", 2) }, "a_b 1\n"},
		"a-b then a__b":          {func(e *otelstats.Emitter) { e.Count("a-b", 1); e.Count("a__b", 2) }, "a_b_total 1\n"},
		"gauge x_total, count x": {func(e *otelstats.Emitter) { e.Gauge("x_total", 1); e.Count("x", 1) }, "x_total 1\n"},
		"count x, count x_total": {func(e *otelstats.Emitter) { e.Count("x", 1); e.Count("x_total", 2) }, "x_total 1\n"},
		"timing x, gauge x_seconds": {func(e *otelstats.Emitter) { e.Timing("x", time.Second); e.Gauge("x_seconds", 1) },
			"x_seconds_count 1\n"},
		"the exporter's target_info": {func(e *otelstats.Emitter) { e.Count("c", 1); e.Gauge("target_info", 1) }, "c_total 1\n"},
		"otelstats' own dropped": {func(e *otelstats.Emitter) { e.Count("c", 1); e.Gauge("vitals.stats.dropped_total", 1) },
			"c_total 1\n"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e, scrape := newPrometheus(t)
			c.emit(e)
			code, body := scrape()
			require.Equal(t, http.StatusOK, code, "%.2000s", body)
			assert.Contains(t, body, "\n"+c.want)
			assert.EqualValues(t, 1, e.DroppedBy("conflict"), "the second instrument's stat")
			assert.EqualValues(t, 1, e.Dropped())
		})
	}
	t.Run("the same name by kind Prometheus tells apart", func(t *testing.T) {
		e, scrape := newPrometheus(t)
		e.Count("x", 1)
		e.Gauge("x", 2)
		e.Timing("x", time.Second)
		code, body := scrape()
		require.Equal(t, http.StatusOK, code, "%.2000s", body)
		assert.Contains(t, body, "\nx_total 1\n")
		assert.Contains(t, body, "\nx 2\n")
		assert.Contains(t, body, "\nx_seconds_count 1\n")
		assert.Zero(t, e.Dropped())
	})
}

// Goroutines racing to make a.b and a_b: one name wins, every stat is
// either counted under it or dropped as a conflict, and the scrape works.
func TestConflictingNamesRacing(t *testing.T) {
	e, scrape := newPrometheus(t)
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for i := range workers {
		name := []string{"a.b", "a_b"}[i%2]
		wg.Go(func() {
			for range each {
				e.Count(name, 1)
			}
		})
	}
	wg.Wait()
	code, body := scrape()
	require.Equal(t, http.StatusOK, code, "%.2000s", body)
	assert.Contains(t, body, "\na_b_total 800\n", "the winner's stats, all of them")
	assert.EqualValues(t, workers*each/2, e.DroppedBy(otelstats.ReasonConflict), "the loser's, all dropped")
}
