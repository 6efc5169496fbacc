package stats_test

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vitals-go/vitals/stats"
)

// emitFor calls Count in a loop for d and fails the test if the calls'
// tail is more than a millisecond above that of Count on a healthy
// emitter, timed alternately with them (see callTimer).
func emitFor(t *testing.T, s *stats.Statsd, d time.Duration) {
	t.Helper()
	healthy, err := stats.NewStatsd(stats.Config{Sender: nopSender{}, FlushInterval: time.Millisecond})
	require.NoError(t, err)
	defer healthy.Close()
	timer := newCallTimer(t, time.Millisecond, func() { healthy.Count("failure.case", 1) })
	for start := time.Now(); time.Since(start) < d; {
		timer.time(func() { s.Count("failure.case", 1) })
	}
	timer.check(t)
}

func TestListenerGoneIsCountedAsSendErrors(t *testing.T) {
	l := listen(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := stats.NewStatsd(stats.Config{Addr: l.addr(), FlushInterval: time.Millisecond})
	require.NoError(t, err)
	s.Count("before", 1)
	l.waitLines(t, 1)
	l.close()
	emitFor(t, s, 100*time.Millisecond)
	require.Eventually(t, func() bool { return s.SendErrors() > 0 }, 5*time.Second, time.Millisecond,
		"a connected UDP socket reports the closed port")
	require.NoError(t, s.Close())
	assert.Positive(t, s.Dropped(), "packets that failed count their stats as dropped")
}

func TestPortClosedFromTheStart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	addr := c.LocalAddr().String()
	require.NoError(t, c.Close())
	s, err := stats.NewStatsd(stats.Config{Addr: addr, FlushInterval: time.Millisecond})
	require.NoError(t, err)
	emitFor(t, s, 100*time.Millisecond)
	require.Eventually(t, func() bool { return s.SendErrors() > 0 }, 5*time.Second, time.Millisecond)
	require.NoError(t, s.Close())
}

func TestSocketNeverRead(t *testing.T) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetReadBuffer(4096)) // fills at once; the kernel drops the rest
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := stats.NewStatsd(stats.Config{Addr: c.LocalAddr().String(), FlushInterval: time.Millisecond})
	require.NoError(t, err)
	emitFor(t, s, 200*time.Millisecond)
	start := time.Now()
	require.NoError(t, s.Close())
	assert.Less(t, time.Since(start), stats.DefaultCloseTimeout)
}
