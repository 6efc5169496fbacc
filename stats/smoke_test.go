package stats_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vitals-go/vitals/stats"
)

func TestSmoke(t *testing.T) {
	l := listen(t)
	s, err := stats.NewStatsd(stats.Config{Addr: l.addr(), Prefix: "App", FlushInterval: 10 * time.Millisecond})
	require.NoError(t, err)
	s.Count("http.Requests", 1, stats.T("code", "200"), stats.T("a", "b;c"))
	s.Timing("db.query", 1234567*time.Nanosecond)
	s.Gauge("temp", -3.5)
	s.GaugeDelta("temp", 2)
	s.Set("users", "bob:1")
	c := s.NewCounter("hits")
	c.Inc()
	c.Add(4)
	t.Log(l.waitLines(t, 7))
	require.NoError(t, s.Close())
}
