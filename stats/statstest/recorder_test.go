package statstest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

func TestRecorderReadsBackEverything(t *testing.T) {
	r := statstest.New()
	r.Count("HTTP.Requests", 2, stats.T("code", "200"), stats.T("route", "/a"))
	r.Count("http.requests", 3, stats.T("route", "/a"), stats.T("code", "200"))
	r.NewCounter("http.requests", stats.T("code", "200"), stats.T("route", "/a")).Inc()
	r.Count("http.requests", 7, stats.T("code", "500"))

	assert.Equal(t, int64(6), r.Counted("http.requests", stats.T("route", "/a"), stats.T("code", "200")),
		"by name and by handle, raw or sanitised name, tags in any order")
	assert.Equal(t, int64(7), r.Counted("http.requests", stats.T("code", "500")))
	assert.Zero(t, r.Counted("http.requests"), "tags must match exactly")

	g := r.NewGauge("pool.size")
	g.Set(4)
	r.GaugeDelta("pool.size", -1.5)
	v, ok := r.GaugeValue("pool.size")
	assert.True(t, ok)
	assert.Equal(t, 2.5, v)
	_, ok = r.GaugeValue("missing")
	assert.False(t, ok)

	r.Timing("db.query", time.Millisecond)
	r.Timing("db.query", 2*time.Millisecond)
	assert.Equal(t, []time.Duration{time.Millisecond, 2 * time.Millisecond}, r.Timings("db.query"))

	r.Set("users", "bob")
	r.Set("users", "alice")
	r.Set("users", "bob")
	assert.Equal(t, []string{"alice", "bob"}, r.Members("users"))

	assert.Equal(t, []string{
		"db.query", "http.requests;code=200;route=/a", "http.requests;code=500", "pool.size", "users",
	}, r.Series())
}

func TestRecorderIsSafeForConcurrentUse(t *testing.T) {
	r := statstest.New()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				r.Count("c", 1)
				r.NewCounter("c").Inc()
				r.Timing("t", time.Nanosecond)
				r.Set("s", "m")
				r.GaugeDelta("g", 1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(16000), r.Counted("c"))
	assert.Len(t, r.Timings("t"), 8000)
	assert.Equal(t, []string{"m"}, r.Members("s"))
	v, ok := r.GaugeValue("g")
	assert.True(t, ok)
	assert.Equal(t, 8000.0, v)
}
