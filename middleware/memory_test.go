package middleware_test

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/internal/heapsize"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/stats"
)

// TestMemoryPerTransportHost measures, from outside, the heap a client
// Transport keeps per host it has seen (its breaker and stats handles,
// wired to a real statsd emitter), at several GOMAXPROCS: its size must not
// grow with the cores. The figures are in bench/README.md.
func TestMemoryPerTransportHost(t *testing.T) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { udp.Close() })
	var at2 float64
	for _, procs := range []int{2, 8, 64} {
		heapsize.AtGOMAXPROCS(procs, func() {
			s, err := stats.NewStatsd(stats.Config{Addr: udp.LocalAddr().String(), FlushInterval: time.Hour})
			require.NoError(t, err)
			defer s.Close()
			tr, err := middleware.NewTransport(nil, middleware.ClientConfig{Stats: s, MaxHosts: 2000})
			require.NoError(t, err)
			per := heapsize.PerObject(1000, func(i int) any {
				return tr.Breaker("host" + strconv.Itoa(i) + ".example:443")
			})
			bare := heapsize.PerObject(1000, func(i int) any {
				b, err := breaker.New(breaker.Config{Name: "bare" + strconv.Itoa(i), Stats: s})
				require.NoError(t, err)
				return b
			})
			t.Logf("GOMAXPROCS=%d: %.0f B per Transport host, %.0f B of it its breaker", procs, per, bare)
			// A host is its breaker plus the Transport's own share (its
			// entry, stats group). The breaker has its own 2 KB budget in
			// package breaker; once it meets it (lazy stats handles), a
			// host must too.
			assert.Less(t, per-bare, 320.0, "the Transport's own bytes per host at GOMAXPROCS=%d", procs)
			if bare < 2048-320 {
				assert.Less(t, per, 2048.0, "bytes per Transport host at GOMAXPROCS=%d", procs)
			}
			if procs == 2 {
				at2 = per
			} else {
				assert.Less(t, per, at2+256, "a Transport host grew with GOMAXPROCS: %.0f B at 2, %.0f B at %d", at2, per, procs)
			}
		})
	}
}
