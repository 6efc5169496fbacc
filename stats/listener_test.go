package stats_test

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// listener is a real statsd-style UDP server on loopback that keeps every
// packet it receives.
type listener struct {
	conn *net.UDPConn
	mu   sync.Mutex
	pkts []string
	got  chan struct{} // signalled after each packet
	done chan struct{}
	// discard makes the listener read without keeping, for benchmarks
	discard atomic.Bool
}

func listen(t testing.TB) *listener {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	_ = c.SetReadBuffer(8 << 20)
	l := &listener{conn: c, got: make(chan struct{}, 1), done: make(chan struct{})}
	go l.read()
	t.Cleanup(l.close)
	return l
}

func (l *listener) addr() string { return l.conn.LocalAddr().String() }

func (l *listener) read() {
	defer close(l.done)
	buf := make([]byte, 1<<16)
	for {
		n, err := l.conn.Read(buf)
		if err != nil {
			return
		}
		if l.discard.Load() {
			continue
		}
		l.mu.Lock()
		l.pkts = append(l.pkts, string(buf[:n]))
		l.mu.Unlock()
		select {
		case l.got <- struct{}{}:
		default:
		}
	}
}

func (l *listener) close() {
	l.conn.Close()
	<-l.done
}

// packets returns the packets received so far.
func (l *listener) packets() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.pkts...)
}

// lines returns every line received so far, in order.
func (l *listener) lines() []string {
	var out []string
	for _, p := range l.packets() {
		out = append(out, strings.Split(p, "\n")...)
	}
	return out
}

// waitLines waits until at least n lines arrived and returns them.
func (l *listener) waitLines(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		if lines := l.lines(); len(lines) >= n {
			return lines
		}
		select {
		case <-l.got:
		case <-deadline:
			require.Failf(t, "too few lines", "want %d, got %q", n, l.lines())
		}
	}
}
