package heapsize

import (
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Procs are the GOMAXPROCS values [Budget] checks at: a small machine, a
// common one, and a large server, where per-core structures would cost the
// most.
var Procs = []int{2, 8, 64}

// growthMargin is how much more an object may keep at a larger GOMAXPROCS
// than at the smallest: the noise of PerObject, not a per-core structure.
const growthMargin = 256

// Budget checks that each object made by the maker that setup returns keeps
// less than budget bytes of heap alive, measured by [PerObject] over 1,000
// objects, at every GOMAXPROCS of [Procs], and no more than 256 B above its
// figure at the first: an object must not grow with the cores. Each
// GOMAXPROCS is a subtest of its own, whose setup makes what the objects
// need (typically a statsd emitter sending to statsdAddr, a UDP listener on
// loopback that Budget opens, so that handles are real) and releases it
// with t.Cleanup. Budget takes the emitter from setup rather than making
// it because the stats package's own memory test uses this package.
// what names the object in the logs and failures.
func Budget(t *testing.T, what string, budget float64, setup func(t *testing.T, statsdAddr string) (mk func(i int) any)) {
	t.Helper()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { udp.Close() })
	first := 0.0
	for i, procs := range Procs {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			AtGOMAXPROCS(procs, func() {
				per := PerObject(1000, setup(t, udp.LocalAddr().String()))
				t.Logf("%.0f B per %s", per, what)
				assert.Less(t, per, budget, "bytes per %s at GOMAXPROCS=%d", what, procs)
				if i == 0 {
					first = per
					return
				}
				if first == 0 { // the first subtest did not run (-run picked this one)
					return
				}
				assert.Less(t, per, first+growthMargin, "a %s grew with GOMAXPROCS: %.0f B at %d, %.0f B at %d", what, first, Procs[0], per, procs)
			})
		})
	}
}
