package otelstats

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/vitals-go/vitals/stats"
)

func TestCountIsAnInt64CounterWithTagsAsAttributes(t *testing.T) {
	e, collect := newTest(t, Config{})
	e.Count("http.server.requests", 2, stats.T("route", "/a"), stats.T("status", "2xx"))
	e.Count("http.server.requests", 3, stats.T("status", "2xx"), stats.T("route", "/a"))
	e.Count("http.server.requests", 1, stats.T("route", "/b"), stats.T("status", "5xx"))
	m := collect()["http.server.requests"]
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "a %T", m.Data)
	assert.True(t, sum.IsMonotonic)
	assert.Equal(t, metricdata.CumulativeTemporality, sum.Temporality)
	assert.EqualValues(t, 5, sumOf(t, m, attrs("route", "/a", "status", "2xx")), "tag order does not split a series")
	assert.EqualValues(t, 1, sumOf(t, m, attrs("route", "/b", "status", "5xx")))
}

func TestGaugeAndGaugeDelta(t *testing.T) {
	e, collect := newTest(t, Config{})
	e.Gauge("pool.size", 3)
	e.Gauge("pool.size", 7.5)
	e.GaugeDelta("queue.depth", 4)
	e.GaugeDelta("queue.depth", -1.5)
	got := collect()
	g, ok := got["pool.size"].Data.(metricdata.Gauge[float64])
	require.True(t, ok, "a %T", got["pool.size"].Data)
	require.Len(t, g.DataPoints, 1)
	assert.Equal(t, 7.5, g.DataPoints[0].Value, "a gauge keeps its last value")
	d, ok := got["queue.depth"].Data.(metricdata.Sum[float64])
	require.True(t, ok, "a %T", got["queue.depth"].Data)
	assert.False(t, d.IsMonotonic, "GaugeDelta is an up-down counter")
	require.Len(t, d.DataPoints, 1)
	assert.Equal(t, 2.5, d.DataPoints[0].Value)
}

func TestTimingIsAHistogramInSecondsWithTheBuckets(t *testing.T) {
	e, collect := newTest(t, Config{})
	e.Timing("db.query", 3*time.Millisecond)
	e.Timing("db.query", 2*time.Second)
	m := collect()["db.query"]
	assert.Equal(t, "s", m.Unit)
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "a %T", m.Data)
	require.Len(t, h.DataPoints, 1)
	dp := h.DataPoints[0]
	assert.Equal(t, DefaultBuckets, dp.Bounds)
	assert.EqualValues(t, 2, dp.Count)
	assert.InDelta(t, 2.003, dp.Sum, 1e-9)
	assert.EqualValues(t, 1, dp.BucketCounts[3], "3 ms falls in (2.5ms, 5ms]")
	assert.EqualValues(t, 1, dp.BucketCounts[11], "2 s falls in (1s, 2.5s]")
}

func TestBucketsAreConfigurable(t *testing.T) {
	e, collect := newTest(t, Config{Buckets: []float64{0.1, 1}})
	e.Timing("job", 500*time.Millisecond)
	h := collect()["job"].Data.(metricdata.Histogram[float64])
	require.Len(t, h.DataPoints, 1)
	assert.Equal(t, []float64{0.1, 1}, h.DataPoints[0].Bounds)
	assert.Equal(t, []uint64{0, 1, 0}, h.DataPoints[0].BucketCounts)
}

func TestInvalidConfigIsRefused(t *testing.T) {
	_, err := New(Config{MaxSeries: -1})
	assert.ErrorContains(t, err, "Config.MaxSeries")
	_, err = New(Config{Buckets: []float64{1, 0.5}})
	assert.ErrorContains(t, err, "Config.Buckets")
}

// Boundaries that are not finite numbers, or an empty non-nil list (which
// the SDK would read as its own millisecond-scale defaults, 0 to 10000,
// taken here as seconds), are refused, naming the field.
func TestBucketsThatAreNotFiniteOrEmptyAreRefused(t *testing.T) {
	for _, b := range [][]float64{{math.NaN()}, {0.1, math.NaN()}, {1, math.Inf(1)}, {math.Inf(-1), 1}, {}} {
		_, err := New(Config{Buckets: b})
		assert.ErrorContains(t, err, "Config.Buckets", "%v", b)
	}
	_, err := New(Config{Buckets: []float64{0.1}})
	assert.NoError(t, err, "one boundary is enough")
}

func TestNamesMapDeterministically(t *testing.T) {
	e, collect := newTest(t, Config{Prefix: "Orders"})
	e.Count("HTTP..Server.requests/x", 1)
	e.Count("9lives", 1)
	got := collect()
	assert.Contains(t, got, "orders.http.server.requests_x", "the statsd emitter's name, dots kept")
	assert.Contains(t, got, "orders.9lives")
	e2, collect2 := newTest(t, Config{})
	e2.Count("9lives", 1)
	assert.Contains(t, collect2(), "m_9lives", "an OTel name starts with a letter")
}

func TestInvalidValuesAndSetsAreDroppedAndCounted(t *testing.T) {
	e, collect := newTest(t, Config{})
	e.Count("c", -1)
	e.Gauge("g", math.NaN())
	e.GaugeDelta("d", math.Inf(1))
	e.Timing("t", -time.Second)
	e.Set("users", "u1")
	assert.EqualValues(t, 4, e.DroppedBy(ReasonInvalid))
	assert.EqualValues(t, 1, e.DroppedBy(ReasonSet))
	assert.EqualValues(t, 5, e.Dropped())
	got := collect()
	for _, name := range []string{"c", "g", "d", "t", "users"} {
		assert.NotContains(t, got, name)
	}
	assert.EqualValues(t, 4, sumOf(t, got["vitals.stats.dropped"], attrs("reason", ReasonInvalid)))
	assert.EqualValues(t, 1, sumOf(t, got["vitals.stats.dropped"], attrs("reason", ReasonSet)))
}

func TestSeriesPastMaxSeriesAreDroppedNotMerged(t *testing.T) {
	e, collect := newTest(t, Config{MaxSeries: 2})
	for _, route := range []string{"/a", "/b", "/c", "/d"} {
		e.Count("req", 1, stats.T("route", route))
	}
	e.Count("req", 1, stats.T("route", "/a"))
	e.Count("other", 1, stats.T("route", "/c"))
	got := collect()
	assert.Equal(t, 2, pointsOf(got["req"]))
	assert.EqualValues(t, 2, sumOf(t, got["req"], attrs("route", "/a")))
	assert.EqualValues(t, 1, sumOf(t, got["req"], attrs("route", "/b")))
	assert.EqualValues(t, 1, sumOf(t, got["other"], attrs("route", "/c")), "the bound is per instrument")
	assert.EqualValues(t, 2, e.DroppedBy(ReasonCardinality))
}

func TestHandlesAreObservedAtCollection(t *testing.T) {
	e, collect := newTest(t, Config{})
	c := e.NewCounter("breaker.payments.calls.success", stats.T("k", "v"))
	assert.Same(t, c, e.NewCounter("breaker.payments.calls.success", stats.T("k", "v")), "one handle per series")
	g := e.NewGauge("breaker.payments.state")
	c.Add(3)
	c.Inc()
	g.Set(2)
	got := collect()
	assert.EqualValues(t, 4, sumOf(t, got["breaker.payments.calls.success"], attrs("k", "v")))
	gs, ok := got["breaker.payments.state"].Data.(metricdata.Gauge[float64])
	require.True(t, ok, "a %T", got["breaker.payments.state"].Data)
	require.Len(t, gs.DataPoints, 1)
	assert.Equal(t, 2.0, gs.DataPoints[0].Value)
	c.Inc()
	assert.EqualValues(t, 5, sumOf(t, collect()["breaker.payments.calls.success"], attrs("k", "v")), "a running total")
}

func TestHandlesPastMaxSeriesCountButAreNotReported(t *testing.T) {
	e, collect := newTest(t, Config{MaxSeries: 1})
	e.NewCounter("h", stats.T("n", "1")).Inc()
	extra := e.NewCounter("h", stats.T("n", "2"))
	require.NotNil(t, extra)
	extra.Add(5)
	assert.EqualValues(t, 5, extra.Value())
	assert.Equal(t, 1, pointsOf(collect()["h"]))
	assert.EqualValues(t, 1, e.DroppedBy(ReasonCardinality))
}
