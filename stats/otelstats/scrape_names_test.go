package otelstats_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"

	"github.com/vitals-go/vitals/stats/otelstats"
)

// A histogram x_seconds is written as x_seconds_bucket, x_seconds_sum and
// x_seconds_count: a gauge (or anything else) exported under one of those
// names makes the Prometheus client refuse the whole scrape, whichever
// came first. The doc promises the first instrument keeps the name and the
// other's stats are dropped as conflicts.
func TestNamesOfAHistogramsSeriesAreRefusedNotScrapeBreaking(t *testing.T) {
	cases := map[string]struct {
		emit func(e *otelstats.Emitter)
		want string // the first instrument's sample
	}{
		"timing x, gauge x.seconds.count": {func(e *otelstats.Emitter) {
			e.Timing("x", time.Second)
			e.Gauge("x.seconds.count", 1)
		}, "\nx_seconds_count 1\n"},
		"timing x, gauge x_seconds_sum": {func(e *otelstats.Emitter) {
			e.Timing("x", time.Second)
			e.Gauge("x_seconds_sum", 7)
		}, "\nx_seconds_sum 1\n"},
		"timing x, gauge handle x_seconds_bucket": {func(e *otelstats.Emitter) {
			e.Timing("x", time.Second)
			e.NewGauge("x_seconds_bucket").Set(7)
		}, "\nx_seconds_count 1\n"},
		"gauge x.seconds.count, timing x": {func(e *otelstats.Emitter) {
			e.Gauge("x.seconds.count", 7)
			e.Timing("x", time.Second)
		}, "\nx_seconds_count 7\n"},
		"up-down x_seconds_bucket, timing x": {func(e *otelstats.Emitter) {
			e.GaugeDelta("x_seconds_bucket", 7)
			e.Timing("x", time.Second)
		}, "\nx_seconds_bucket 7\n"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e, scrape := servedToPrometheus(t, otelstats.Config{}, otelprom.WithoutScopeInfo())
			c.emit(e)
			code, body := scrape()
			require.Equal(t, http.StatusOK, code, "%.2000s", body)
			assert.Contains(t, body, c.want)
			assert.EqualValues(t, 1, e.DroppedBy(otelstats.ReasonConflict), "the second instrument's stat")
		})
	}
}
