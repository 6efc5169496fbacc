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
		"db.query", "http.requests;code=200;route=.a", "http.requests;code=500", "pool.size", "users",
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

// TestRecorderSeesWhatGraphiteStores checks that the recorder merges and
// keeps apart exactly what the wire does: a test that counts distinct
// members or series sees production's numbers.
func TestRecorderSeesWhatGraphiteStores(t *testing.T) {
	r := statstest.New()
	for _, m := range []string{"José", "Josè", "日本", "中国", "a:b", "a|b", "a_b", "new\nline"} {
		r.Set("users", m)
	}
	assert.Equal(t, []string{"Josè", "José", "a_b", "new_line", "中国", "日本"}, r.Members("users"),
		"members in wire form: UTF-8 kept, ':' '|' and line breaks become '_'")

	r.Count("req", 1, stats.T("lang", "C++"))
	r.Count("req", 2, stats.T("lang", "C"))
	r.Count("req", 4, stats.T("route", "GET /items/{sku}"))
	r.Count("req", 8, stats.T("route", "GET /items/sku"))
	assert.Equal(t, []string{
		"req;lang=C", "req;lang=C_2B_2B", "req;route=GET_.items._7Bsku_7D", "req;route=GET_.items.sku", "users",
	}, r.Series(), "tags in wire form, distinct values in distinct series")
	assert.Equal(t, int64(1), r.Counted("req", stats.T("lang", "C++")), "read with the raw form")
	assert.Equal(t, int64(1), r.Counted("req", stats.T("lang", "C_2B_2B")), "read with the wire form")
	assert.Equal(t, int64(4), r.Counted("req", stats.T("route", "GET /items/{sku}")))

	for _, m := range r.Members("users") {
		assert.Equal(t, m, stats.NormalizeMember(m), "a wire form is its own wire form")
	}
}
