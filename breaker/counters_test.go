package breaker

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/stats"
)

// The counters a new breaker does not make (every one but calls.success)
// reach a real statsd server once used, with their exact totals.
func TestCountersMadeAtFirstUseReachStatsd(t *testing.T) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { udp.Close() })
	s, err := stats.NewStatsd(stats.Config{Addr: udp.LocalAddr().String(), FlushInterval: 10 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	b, err := New(Config{Name: "lazy", Stats: s, Logger: discardLogger()})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, b.Run(ctx, func(context.Context) error { return nil }))
	b.ForceOpen("test")
	for range 3 {
		require.ErrorIs(t, b.Run(ctx, func(context.Context) error { return nil }), ErrOpen)
	}
	want := []string{"breaker.lazy.calls.success:1|c", "breaker.lazy.calls.rejected:3|c", "breaker.lazy.transitions.forced_open:1|c", "breaker.lazy.state:2|g"}
	seen := map[string]bool{}
	buf := make([]byte, 65536)
	require.NoError(t, udp.SetReadDeadline(time.Now().Add(10*time.Second)))
	for len(seen) < len(want) {
		n, _, err := udp.ReadFrom(buf)
		require.NoError(t, err, "statsd lines seen so far: %v", seen)
		for _, line := range strings.Split(string(buf[:n]), "\n") {
			for _, w := range want {
				if line == w {
					seen[w] = true
				}
			}
		}
	}
}

// countingEmitter counts the handles asked of it, by name.
type countingEmitter struct {
	stats.Emitter
	mu    sync.Mutex
	asked map[string]int
}

func (e *countingEmitter) NewCounter(name string, tags ...stats.Tag) *stats.Counter {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.asked[name]++
	return e.Emitter.NewCounter(name, tags...)
}

// An emitter whose handles are nil (stats.Discard) is asked for each counter
// once (or once per goroutine racing at the first use), not at every use,
// so a rejection stays free of allocations.
func TestCounterMadeOnceWhenEmitterDiscards(t *testing.T) {
	e := &countingEmitter{Emitter: stats.Discard, asked: map[string]int{}}
	b, err := New(Config{Name: "discarding", Stats: e, Logger: discardLogger()})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"breaker.discarding.calls.success": 1}, e.asked, "New makes calls.success only")
	b.ForceOpen("test")
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_ = b.Run(ctx, func(context.Context) error { return nil })
			}
		})
	}
	wg.Wait()
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = b.Run(ctx, func(context.Context) error { return nil }) }))
	assert.LessOrEqual(t, e.asked["breaker.discarding.calls.rejected"], 8, "asked again after a nil handle")
	n := e.asked["breaker.discarding.calls.rejected"]
	for range 100 {
		_ = b.Run(ctx, func(context.Context) error { return nil })
	}
	assert.Equal(t, n, e.asked["breaker.discarding.calls.rejected"], "asked again after a nil handle")
}
