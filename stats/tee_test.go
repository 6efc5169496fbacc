package stats_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// panicking is an Emitter whose every method panics.
type panicking struct{}

func (panicking) Count(string, int64, ...stats.Tag)              { panic("count") }
func (panicking) Gauge(string, float64, ...stats.Tag)            { panic("gauge") }
func (panicking) GaugeDelta(string, float64, ...stats.Tag)       { panic("delta") }
func (panicking) Timing(string, time.Duration, ...stats.Tag)     { panic("timing") }
func (panicking) Set(string, string, ...stats.Tag)               { panic("set") }
func (panicking) NewCounter(string, ...stats.Tag) *stats.Counter { panic("counter") }
func (panicking) NewGauge(string, ...stats.Tag) *stats.Gauge     { panic("gauge") }

func TestTeeSendsEveryCallToEachEmitter(t *testing.T) {
	a, b := statstest.New(), statstest.New()
	tee := stats.Tee(a, nil, b)
	tee.Count("req", 2, stats.T("route", "/a"))
	tee.Gauge("pool", 3)
	tee.GaugeDelta("queue", 4)
	tee.Timing("db", time.Millisecond)
	tee.Set("users", "u1")
	for _, r := range []*statstest.Recorder{a, b} {
		assert.EqualValues(t, 2, r.Counted("req", stats.T("route", "/a")))
		v, ok := r.GaugeValue("pool")
		assert.True(t, ok)
		assert.Equal(t, 3.0, v)
		v, _ = r.GaugeValue("queue")
		assert.Equal(t, 4.0, v)
		assert.Equal(t, []time.Duration{time.Millisecond}, r.Timings("db"))
		assert.Equal(t, []string{"u1"}, r.Members("users"))
	}
}

func TestTeeHandlesAreTheFirstEmitters(t *testing.T) {
	a, b := statstest.New(), statstest.New()
	tee := stats.Tee(a, b)
	c := tee.NewCounter("hits")
	c.Add(3)
	assert.EqualValues(t, 3, a.Counted("hits"))
	assert.Zero(t, b.Counted("hits"), "a Recorder is no HandleReporter: only the first gets handle stats")
	g := tee.NewGauge("state")
	g.Set(2)
	v, _ := a.GaugeValue("state")
	assert.Equal(t, 2.0, v)
	assert.Nil(t, stats.Tee().NewCounter("x"), "no emitter: a nil handle, which does nothing")
}

func TestTeeAPanickingEmitterDoesNotStopTheOthers(t *testing.T) {
	r := statstest.New()
	tee := stats.Tee(panicking{}, r)
	require.NotPanics(t, func() {
		tee.Count("req", 1)
		tee.Gauge("g", 1)
		tee.GaugeDelta("d", 1)
		tee.Timing("t", time.Second)
		tee.Set("s", "m")
		tee.NewCounter("h").Inc()
		tee.NewGauge("hg").Set(1)
	})
	assert.EqualValues(t, 1, r.Counted("req"))
	v, _ := r.GaugeValue("d")
	assert.Equal(t, 1.0, v)
	assert.Equal(t, []time.Duration{time.Second}, r.Timings("t"))
	assert.Equal(t, []string{"m"}, r.Members("s"))
	assert.EqualValues(t, 7, tee.Panics())
}

// TestTeeAddsNoAllocation: a call through a Tee of two Emitters allocates
// no more than a call through one Emitter interface (whose variadic tags
// the compiler puts on the heap unless the caller passes a slice), and
// nothing with a slice of tags made once.
func TestTeeAddsNoAllocation(t *testing.T) {
	calls := func(e stats.Emitter, tags []stats.Tag) func() {
		return func() {
			e.Count("req", 1, tags...)
			e.Gauge("g", 1, stats.T("k", "v"))
			e.GaugeDelta("d", 1)
			e.Timing("t", time.Second, stats.T("k", "v"))
			e.Set("s", "m")
		}
	}
	tags := []stats.Tag{stats.T("route", "/a")}
	tee := stats.Tee(stats.Discard, stats.Discard)
	assert.Equal(t, testing.AllocsPerRun(100, calls(stats.Discard, tags)), testing.AllocsPerRun(100, calls(tee, tags)))
	assert.Zero(t, testing.AllocsPerRun(100, func() { tee.Count("req", 1, tags...) }))
}

func ExampleTee() {
	statsdSide, otelSide := statstest.New(), statstest.New() // a *Statsd and an otelstats.Emitter in a service
	e := stats.Tee(statsdSide, otelSide)
	e.Count("orders.placed", 1, stats.T("plan", "pro"))
	fmt.Println(statsdSide.Counted("orders.placed", stats.T("plan", "pro")), otelSide.Counted("orders.placed", stats.T("plan", "pro")))
	// Output: 1 1
}
