package otelstats

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// TestTeeReportsTheFirstEmittersHandles: behind a Tee, the handles the
// first Emitter makes are reported through OTel too.
func TestTeeReportsTheFirstEmittersHandles(t *testing.T) {
	e, collect := newTest(t, Config{})
	rec := statstest.New()
	tee := stats.Tee(rec, e)
	c := tee.NewCounter("hits", stats.T("k", "v"))
	c.Add(2)
	e.NewCounter("hits", stats.T("k", "v")).Inc() // its own handle adds up
	tee.NewGauge("state").Set(2)
	tee.Count("req", 1)
	got := collect()
	assert.EqualValues(t, 3, sumOf(t, got["hits"], attrs("k", "v")))
	assert.EqualValues(t, 2, rec.Counted("hits", stats.T("k", "v")))
	g, ok := got["state"].Data.(metricdata.Gauge[float64])
	require.True(t, ok, "a %T", got["state"].Data)
	require.Len(t, g.DataPoints, 1)
	assert.Equal(t, 2.0, g.DataPoints[0].Value, "the reported gauge wins over the series' own")
	assert.EqualValues(t, 1, sumOf(t, got["req"], attrs()))
}
