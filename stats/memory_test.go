package stats_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/heapsize"
	"github.com/vitals-go/vitals/stats"
)

// memoryProcs are the GOMAXPROCS values the memory budgets hold at: a small
// machine, a common one, and a large server, where per-core structures
// would cost the most.
var memoryProcs = []int{2, 8, 64}

// TestMemoryPerHandleAndSeries measures, from outside, the heap each
// counter handle, gauge handle and series by name keeps alive on a Statsd,
// at several GOMAXPROCS: a handle starts as one word and spreads over cache
// lines only once adds contend, so its size does not grow with the cores.
// The figures are in bench/README.md.
func TestMemoryPerHandleAndSeries(t *testing.T) {
	const n = 2000
	for _, procs := range memoryProcs {
		heapsize.AtGOMAXPROCS(procs, func() {
			s := newStatsd(t, stats.Config{Sender: nopSender{}, FlushInterval: time.Hour, Prefix: "app"})
			counter := heapsize.PerObject(n, func(i int) any {
				c := s.NewCounter("requests.c" + strconv.Itoa(i))
				c.Inc()
				return c
			})
			gauge := heapsize.PerObject(n, func(i int) any {
				g := s.NewGauge("pool.g" + strconv.Itoa(i))
				g.Set(1)
				return g
			})
			series := heapsize.PerObject(n, func(i int) any {
				name := "db.query.s" + strconv.Itoa(i)
				s.Count(name, 1, stats.T("route", "orders"))
				return name
			})
			t.Logf("GOMAXPROCS=%d: %.0f B per counter handle, %.0f B per gauge handle, %.0f B per series by name", procs, counter, gauge, series)
			assert.Less(t, counter, 256.0, "bytes per counter handle at GOMAXPROCS=%d", procs)
			assert.Less(t, gauge, 256.0, "bytes per gauge handle at GOMAXPROCS=%d", procs)
			assert.Less(t, series, 1024.0, "bytes per series by name at GOMAXPROCS=%d", procs)
		})
	}
}

// TestContendedHandleSpreadsAndCountsExactly adds to one handle from many
// goroutines at GOMAXPROCS 8: the handle spreads over cache lines when adds
// meet, and no add is lost on the way.
func TestContendedHandleSpreadsAndCountsExactly(t *testing.T) {
	heapsize.AtGOMAXPROCS(8, func() {
		s := newStatsd(t, stats.Config{Sender: nopSender{}, FlushInterval: time.Hour})
		c := s.NewCounter("hot")
		const goroutines, adds = 16, 20000
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range goroutines {
			wg.Go(func() {
				<-start
				for range adds {
					c.Inc()
				}
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, int64(goroutines*adds), c.Value(), fmt.Sprintf("%d goroutines x %d adds", goroutines, adds))
	})
}
