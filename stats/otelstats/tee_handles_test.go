package otelstats_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/otelstats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// Code asks for the same handle more than once (stats promises the same
// handle for the same name and tags; a handler may call NewCounter per
// request). Through a Tee whose first Emitter makes the handle, the OTel
// Emitter is given that one handle again and again: it must report its
// total once, not once per NewCounter call, and keep one entry for it.
func TestTeeHandleAskedForTwiceIsReportedOnce(t *testing.T) {
	e, scrape := servedToPrometheus(t, otelstats.Config{}, otelprom.WithoutScopeInfo())
	tee := stats.Tee(statstest.New(), e)
	c := tee.NewCounter("jobs.done", stats.T("queue", "a"))
	for range 1000 {
		require.Same(t, c, tee.NewCounter("jobs.done", stats.T("queue", "a")))
	}
	c.Add(5)
	g := tee.NewGauge("jobs.waiting")
	other := tee.NewGauge("jobs.waiting")
	require.Same(t, g, other)
	g.Set(3)

	code, body := scrape()
	require.Equal(t, http.StatusOK, code, "%.2000s", body)
	assert.Contains(t, body, "\njobs_done_total{queue=\"a\"} 5\n")
	assert.Contains(t, body, "\njobs_waiting 3\n")
}
