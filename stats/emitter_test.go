package stats_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

func TestDefaultIsDiscardUntilSet(t *testing.T) {
	assert.Equal(t, stats.Discard, stats.Default())
	r := statstest.New()
	stats.SetDefault(r)
	t.Cleanup(func() { stats.SetDefault(nil) })
	assert.Same(t, r, stats.Default())
	stats.Default().Count("x", 1)
	assert.Equal(t, int64(1), r.Counted("x"))
	stats.SetDefault(nil)
	assert.Equal(t, stats.Discard, stats.Default())
}

func TestDiscardAndNilAreSafe(t *testing.T) {
	for _, e := range []stats.Emitter{stats.Discard, (*stats.Statsd)(nil)} {
		e.Count("x", 1)
		e.Gauge("x", 1)
		e.GaugeDelta("x", 1)
		e.Timing("x", time.Second)
		e.Set("x", "m")
		c := e.NewCounter("x")
		c.Add(2)
		assert.Nil(t, c, "a discarding emitter's handles are nil: a nil check per add")
		assert.Zero(t, c.Value())
		g := e.NewGauge("x")
		g.Add(1.5)
		assert.Nil(t, g)
		assert.Zero(t, g.Value())
	}
	var c *stats.Counter
	c.Inc()
	c.Add(1)
	assert.Zero(t, c.Value())
	var g *stats.Gauge
	g.Set(1)
	g.Add(1)
	assert.Zero(t, g.Value())
	var s *stats.Statsd
	assert.NoError(t, s.Close())
	assert.Zero(t, s.Dropped())
	assert.Zero(t, s.SendErrors())
}

func TestHotPathsDoNotAllocate(t *testing.T) {
	s := newStatsd(t, stats.Config{Sender: nopSender{}})
	c := s.NewCounter("c")
	g := s.NewGauge("g")
	tags := []stats.Tag{stats.T("route", "/users"), stats.T("code", "200")}
	many := make([]string, 2048)
	for i := range many {
		many[i] = fmt.Sprintf("s%04d.requests", i)
		s.Count(many[i], 1) // the first call of a series makes it
	}
	i := 0
	next := func() int { i++; return i }
	for name, fn := range map[string]func(){
		"Counter.Inc":      func() { c.Inc() },
		"Gauge.Set":        func() { g.Set(1) },
		"Count":            func() { s.Count("http.requests", 1) },
		"Count with tags":  func() { s.Count("http.requests", 1, tags...) },
		"Timing":           func() { s.Timing("db.query", time.Millisecond) },
		"Gauge":            func() { s.Gauge("pool", -2.5) },
		"GaugeDelta":       func() { s.GaugeDelta("pool", 1) },
		"Set":              func() { s.Set("users", "bob") },
		"Timing with tags": func() { s.Timing("db.query", time.Millisecond, tags...) },
		"Set with tags":    func() { s.Set("users", "bob", tags...) },
		// more series than are found by where their name lives: found
		// by a hash of the text
		"Count of one of many series": func() { s.Count(many[next()%len(many)], 1) },
	} {
		assert.Zero(t, testing.AllocsPerRun(1000, fn), name)
	}
}

// nopSender accepts and forgets every packet.
type nopSender struct{}

func (nopSender) Send(b []byte) (int, error) { return len(b), nil }
func (nopSender) Close() error               { return nil }
