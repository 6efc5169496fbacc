package main

import (
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/examples/internal/demotest"
	"github.com/vitals-go/vitals/internal/logtest"
)

// With -metrics otel, a real Prometheus scraping /metrics of the orders
// server finds what the run did: orders by route and status class, their
// latency histogram, and the payments breaker's state and transitions, all
// equal to the run's own summary.
func TestPrometheusScrapesTheRun(t *testing.T) {
	prom := demotest.StartPrometheus(t, 250*time.Millisecond)
	d := demotest.Start(t, run, "-duration", "4s", "-metrics", "otel")
	listening := d.WaitFor(t, logtest.Msg("orders service listening"))
	ordersURL, err := url.Parse(listening.Str("orders"))
	require.NoError(t, err)
	prom.Scrape(ordersURL.Host)
	d.Wait(t)
	out := d.Stdout.String()

	// What the summary says the run did.
	byClass := map[string]float64{}
	total := 0.0
	for _, m := range regexp.MustCompile(`(?m)^ +(\d)\d\d \D+?(\d+)  `).FindAllStringSubmatch(out, -1) {
		n, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		byClass[m[1]+"xx"] += n
		total += n
	}
	require.Positive(t, total, "orders in the summary:\n%s", out)
	transitions := map[string]float64{}
	var last string
	for _, m := range regexp.MustCompile(`(?m)^ +[0-9.]+s  \S+ +-> (\S+)`).FindAllStringSubmatch(out, -1) {
		transitions[m[1]]++
		last = m[1]
	}
	require.Positive(t, transitions["open"], "the payments breaker opened:\n%s", out)
	m := regexp.MustCompile(`stats to OpenTelemetry, served at /metrics: (\d+) scrapes, (\d+) dropped`).FindStringSubmatch(out)
	require.NotNil(t, m, "OTel delivery line in:\n%s", out)
	assert.NotEqual(t, "0", m[1], "Prometheus scraped /metrics")
	assert.Equal(t, "0", m[2], "otelstats dropped nothing")

	// Prometheus marks the series stale once the run has stopped serving,
	// so the queries read the latest sample over the run; the last scrape
	// is stored a moment after the run ended.
	orders := `orders_http_server_requests_total{route="POST /orders"}`
	deadline := time.Now().Add(15 * time.Second)
	for sum(prom.Query(t, `sum(max_over_time(`+orders+`[10m]))`)) != total {
		if time.Now().After(deadline) {
			require.FailNowf(t, "Prometheus' count of orders differs from the summary",
				"%v, summary %v:\n%s\nPrometheus log:\n%s", prom.Query(t, `max_over_time(`+orders+`[10m])`), total, out, prom.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := map[string]float64{}
	for _, s := range prom.Query(t, `sum by (status) (max_over_time(`+orders+`[10m]))`) {
		got[s.Labels["status"]] = s.Value
	}
	assert.Equal(t, byClass, got, "orders by status class")
	assert.Equal(t, total,
		sum(prom.Query(t, `sum(max_over_time(orders_http_server_duration_seconds_count{route="POST /orders"}[10m]))`)),
		"each order in the latency histogram, in seconds")
	assert.Positive(t, sum(prom.Query(t, `sum(max_over_time(orders_http_client_requests_total{status="rejected"}[10m]))`)),
		"calls the open breaker rejected, through the client transport")

	for _, to := range []string{"open", "half_open", "closed"} {
		assert.Equal(t, transitions[to],
			sum(prom.Query(t, `max_over_time(orders_breaker_payments_transitions_`+to+`_total[10m])`)),
			"transitions to %s", to)
	}
	// The state gauge: 2 while open (600 ms, several scrapes), then the
	// state of the last transition.
	assert.Equal(t, 2.0, sum(prom.Query(t, `max_over_time(orders_breaker_payments_state[10m])`)), "open seen")
	assert.Equal(t, map[string]float64{"closed": 0, "half_open": 1, "open": 2}[last],
		sum(prom.Query(t, `last_over_time(orders_breaker_payments_state[10m])`)), "state after %s", last)
}

// sum adds the values of samples: 0 for none.
func sum(samples []demotest.Sample) float64 {
	total := 0.0
	for _, s := range samples {
		total += s.Value
	}
	return total
}
