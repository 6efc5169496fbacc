package middleware_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/heapsize"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/stats"
)

// TestMemoryPerTransportHost measures, from outside, the heap a client
// Transport keeps per host it has seen (its breaker, its entry and stats
// handles, wired to a real statsd emitter): under 2 KB at every GOMAXPROCS
// heapsize.Budget tries, and not growing with the cores. Most of it is the
// host's breaker, whose counters are made at their first use. The figures
// are in bench/README.md.
func TestMemoryPerTransportHost(t *testing.T) {
	heapsize.Budget(t, "Transport host", 2048, func(t *testing.T, addr string) func(int) any {
		s, err := stats.NewStatsd(stats.Config{Addr: addr, FlushInterval: time.Hour})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		tr, err := middleware.NewTransport(nil, middleware.ClientConfig{Stats: s, MaxHosts: 2000})
		require.NoError(t, err)
		return func(i int) any { return tr.Breaker("host" + strconv.Itoa(i) + ".example:443") }
	})
}
