package grpcmw

import (
	"net"
	"net/netip"

	"github.com/vitals-go/vitals/internal/record"
)

// maxPeer bounds a record's "peer".
const maxPeer = 128

// peerString returns addr.String(), for a record's "peer". A TCP address,
// the usual peer, is formatted in one allocation, where TCPAddr.String
// takes three (the IP, the port, the join); anything unusual (no IP, a
// zone, a port out of range, another network) goes through String and is
// bounded and escaped by record.Safe, since a zone or a socket path can
// hold any byte.
func peerString(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp == nil || tcp.Zone != "" || tcp.Port < 0 || tcp.Port > 65535 {
		return record.Safe(addr.String(), maxPeer)
	}
	ip, ok := netip.AddrFromSlice(tcp.IP)
	if !ok {
		return record.Safe(addr.String(), maxPeer)
	}
	// TCPAddr.String prints an IPv4 address held in 16 bytes as IPv4.
	var buf [64]byte
	return string(netip.AddrPortFrom(ip.Unmap(), uint16(tcp.Port)).AppendTo(buf[:0]))
}
