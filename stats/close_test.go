package stats_test

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/stats"
)

// Writers of long set members hold claimed queue slots for a while; every
// call that returned before Close must still be counted, in Sent or in
// Dropped, and no call is counted twice.
func TestCloseCountsEveryCallThatReturnedBeforeIt(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	for round := range 5 {
		s, err := stats.NewStatsd(stats.Config{Sender: nopSender{}, MaxPacketSize: 65507, FlushInterval: time.Millisecond})
		require.NoError(t, err)
		member := strings.Repeat("m", 65_000) // about 1,200 queue slots
		var closing atomic.Bool
		var before, all atomic.Uint64 // calls that returned before Close; every call made
		var wg sync.WaitGroup
		call := func(fn func(i int)) {
			wg.Go(func() {
				for i := 0; !closing.Load(); i++ {
					fn(i)
					all.Add(1)
					if !closing.Load() {
						before.Add(1)
					}
				}
			})
		}
		for range 3 {
			call(func(i int) { s.Set("big.set", member[:65_000-i%64]) })
		}
		for range 2 {
			call(func(i int) { s.Timing("timing", time.Duration(i)) })
		}
		require.Eventually(t, func() bool { return before.Load() > 1000 }, 5*time.Second, 100*time.Microsecond)
		closing.Store(true)
		require.NoError(t, s.Close())
		counted := s.Sent() + s.Dropped()
		wg.Wait()
		assert.GreaterOrEqual(t, counted, before.Load(), "round %d: calls that returned before Close are all counted", round)
		assert.LessOrEqual(t, counted, all.Load(), "round %d: no call is counted twice", round)
		if t.Failed() {
			return
		}
	}
}
