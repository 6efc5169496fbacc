package grpcmw

import (
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

type unixAddr struct{}

func (unixAddr) Network() string { return "unix" }
func (unixAddr) String() string  { return "/run/app.sock" }

func TestPeerStringIsAddrString(t *testing.T) {
	addrs := []net.Addr{
		&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50051}, // 16-byte form
		&net.TCPAddr{IP: net.IP{10, 1, 2, 3}, Port: 443},
		&net.TCPAddr{IP: net.ParseIP("::1"), Port: 8080},
		&net.TCPAddr{IP: net.ParseIP("2001:db8::68"), Port: 0},
		&net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 80, Zone: "eth0"},
		&net.TCPAddr{Port: 9},                            // no IP
		&net.TCPAddr{IP: net.IP{1, 2, 3}, Port: 9},       // a malformed IP
		&net.TCPAddr{IP: net.IPv4(1, 2, 3, 4), Port: -1}, // a port out of range
		&net.TCPAddr{IP: net.IPv4(1, 2, 3, 4), Port: 70000},
		unixAddr{},
	}
	for _, a := range addrs {
		assert.Equal(t, a.String(), peerString(a))
	}
	var nilTCP *net.TCPAddr
	assert.Equal(t, "<nil>", peerString(nilTCP))
}

func TestPeerStringAllocatesOnce(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50051}
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = peerString(addr) }))
}

type hostileAddr string

func (hostileAddr) Network() string  { return "unix" }
func (a hostileAddr) String() string { return string(a) }

func TestPeerStringBoundsAndEscapesOddAddresses(t *testing.T) {
	for _, a := range []net.Addr{
		hostileAddr("/run/\u202eapp\u202e.sock\x9b"),
		hostileAddr(strings.Repeat("/x", 1<<12)),
		&net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 80, Zone: "eth0\u202e" + strings.Repeat("z", 300)},
	} {
		got := peerString(a)
		assert.LessOrEqual(t, len(got), maxPeer)
		assert.True(t, strings.HasPrefix(got, `"`), got)
		assert.NotContains(t, got, "\u202e")
		assert.NotContains(t, got, "\u009b")
	}
}
