package breaker

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/heapsize"
	"github.com/vitals-go/vitals/stats"
)

// TestMemoryPerBreaker measures, from outside, the heap a breaker keeps
// alive when it is wired to a real statsd emitter (its counter and gauge
// handles included), at several GOMAXPROCS: under 2 KB, and not growing
// with the cores. A new breaker holds its own state (~0.75 KB), and two
// stats handles (~150 B each): calls.success and the state gauge; its other
// counters are made at their first use. The figures are in bench/README.md.
func TestMemoryPerBreaker(t *testing.T) {
	heapsize.Budget(t, "breaker", 2048, func(t *testing.T, addr string) func(int) any {
		s, err := stats.NewStatsd(stats.Config{Addr: addr, FlushInterval: time.Hour})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		logger := discardLogger()
		return func(i int) any {
			b, err := New(Config{Name: "dep" + strconv.Itoa(i), Stats: s, Logger: logger})
			require.NoError(t, err)
			return b
		}
	})
}
