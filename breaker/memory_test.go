package breaker

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/heapsize"
	"github.com/vitals-go/vitals/stats"
)

// TestMemoryPerBreaker measures, from outside, the heap a breaker keeps
// alive when it is wired to a real statsd emitter (its counter and gauge
// handles included), at several GOMAXPROCS: its size must not grow with the
// cores. The figures are in bench/README.md.
func TestMemoryPerBreaker(t *testing.T) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { udp.Close() })
	var at2 float64
	for _, procs := range []int{2, 8, 64} {
		heapsize.AtGOMAXPROCS(procs, func() {
			s, err := stats.NewStatsd(stats.Config{Addr: udp.LocalAddr().String(), FlushInterval: time.Hour})
			require.NoError(t, err)
			defer s.Close()
			logger := discardLogger()
			per := heapsize.PerObject(1000, func(i int) any {
				b, err := New(Config{Name: "dep" + strconv.Itoa(i), Stats: s, Logger: logger})
				require.NoError(t, err)
				return b
			})
			t.Logf("GOMAXPROCS=%d: %.0f B per breaker", procs, per)
			// 2 KB is the goal; today a breaker's own state is ~0.7 KB and
			// each of its twelve stats handles ~130 B (bench/README.md).
			assert.Less(t, per, 3072.0, "bytes per breaker at GOMAXPROCS=%d", procs)
			if procs == 2 {
				at2 = per
			} else {
				assert.Less(t, per, at2+256, "a breaker grew with GOMAXPROCS: %.0f B at 2, %.0f B at %d", at2, per, procs)
			}
		})
	}
}
