package otelstats

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/stats"
)

// TestCallsByNameDoNotAllocateAfterTheFirst: once a series is known, a call
// costs no allocation, whether the caller's strings are constants or built
// anew each time.
func TestCallsByNameDoNotAllocateAfterTheFirst(t *testing.T) {
	e, _ := newTest(t, Config{})
	built := strconv.Itoa(404)
	calls := map[string]func(){
		"Count":      func() { e.Count("req", 1, stats.T("route", "/a"), stats.T("status", "2xx")) },
		"CountBuilt": func() { e.Count("req", 1, stats.T("status", built[:1]+"xx")) },
		"Gauge":      func() { e.Gauge("pool", 3, stats.T("db", "main")) },
		"GaugeDelta": func() { e.GaugeDelta("queue", 1) },
		"Timing":     func() { e.Timing("db.query", time.Millisecond, stats.T("op", "get")) },
		"Handle":     func() { e.NewCounter("hits").Inc() },
	}
	for name, call := range calls {
		call()
		assert.Zero(t, testing.AllocsPerRun(100, call), name)
	}
}

// TestConcurrentCallsKeepEveryIncrement: at GOMAXPROCS 8, goroutines making
// the same series at once all land in one series and lose nothing.
func TestConcurrentCallsKeepEveryIncrement(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	e, collect := newTest(t, Config{MaxSeries: 4})
	const workers, per = 8, 2000
	routes := []string{"/a", "/b", "/c", "/d", "/e"}
	var wg sync.WaitGroup
	var start sync.WaitGroup
	var calls atomic.Int64
	start.Add(1)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			for i := range per {
				e.Count("req", 1, stats.T("route", routes[(w+i)%len(routes)]))
				calls.Add(1)
			}
		}()
	}
	start.Done()
	wg.Wait()
	m := collect()["req"]
	require.Equal(t, 4, pointsOf(m), "exactly MaxSeries series, even when made at once")
	var total int64
	for _, r := range routes {
		total += sumOfIfAny(m, attrs("route", r))
	}
	assert.EqualValues(t, calls.Load(), total+int64(e.DroppedBy(ReasonCardinality)), "every call is counted or dropped")
}

// TestHandlesMadeWhileCollecting: at GOMAXPROCS 8, handles made and
// incremented while a reader collects all end up reported, with every
// increment.
func TestHandlesMadeWhileCollecting(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	e, collect := newTest(t, Config{})
	const workers, per = 8, 500
	routes := []string{"/a", "/b", "/c", "/d"}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				e.NewCounter("hits", stats.T("route", routes[(w+i)%len(routes)])).Inc()
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	for collecting := true; collecting; {
		select {
		case <-done:
			collecting = false
		default:
			collect()
		}
	}
	m := collect()["hits"]
	var total int64
	for _, r := range routes {
		total += sumOf(t, m, attrs("route", r))
	}
	assert.EqualValues(t, workers*per, total)
}
