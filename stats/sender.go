package stats

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"time"
)

// Timings of the default UDP sender.
const (
	resolveRetry   = time.Second      // between failed resolutions
	resolveRefresh = 30 * time.Second // between resolutions of a resolved host name
	writeTimeout   = 100 * time.Millisecond
)

// errUnresolved is the send error while the address has not resolved.
var errUnresolved = errors.New("stats: statsd address not resolved yet")

// udpSender is the default sender: a connected UDP socket (so a closed port
// shows up as a send error rather than silence), dialled in the background
// for a host name and dialled again when the name resolves differently. It
// implements github.com/cactus/go-statsd-client/v5/statsd.Sender.
type udpSender struct {
	addr   string
	conn   atomic.Pointer[net.UDPConn]
	cancel context.CancelFunc
	done   chan struct{} // closed when the resolving goroutine has stopped
}

// newUDPSender returns a sender for addr. An IP address is dialled now; a
// host name is resolved by a goroutine that Close stops.
func newUDPSender(addr string) *udpSender {
	s := &udpSender{addr: addr, done: make(chan struct{})}
	host, _, _ := net.SplitHostPort(addr)
	if _, err := netip.ParseAddr(host); err == nil {
		if c, err := dialUDP(context.Background(), addr); err == nil {
			s.conn.Store(c)
			close(s.done)
			return s
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.resolve(ctx)
	return s
}

// resolve dials addr until it works, then again every resolveRefresh,
// switching sockets when the address behind the name changed.
func (s *udpSender) resolve(ctx context.Context) {
	defer close(s.done)
	for {
		wait := resolveRetry
		if c, err := dialUDP(ctx, s.addr); err == nil {
			wait = resolveRefresh
			if old := s.conn.Load(); old != nil && old.RemoteAddr().String() == c.RemoteAddr().String() {
				c.Close()
			} else if old = s.conn.Swap(c); old != nil {
				old.Close()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func dialUDP(ctx context.Context, addr string) (*net.UDPConn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.UDPConn), nil
}

// Send writes one packet, failing fast while the address is unresolved.
func (s *udpSender) Send(data []byte) (int, error) {
	c := s.conn.Load()
	if c == nil {
		return 0, errUnresolved
	}
	if err := c.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return 0, err
	}
	return c.Write(data)
}

// Close stops resolving and closes the socket.
func (s *udpSender) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	<-s.done
	if c := s.conn.Swap(nil); c != nil {
		return c.Close()
	}
	return nil
}
