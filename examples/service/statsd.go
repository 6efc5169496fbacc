package main

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
)

// countingSender sends the statsd packets of the demo, like the stats
// package's own sender, over a connected UDP socket (so a port nobody
// listens on shows up as send errors), and also counts the stats that got
// onto the network, for the summary: stats.Statsd counts what it drops,
// not what it sends. It implements the cactus statsd.Sender interface that
// stats.Config.Sender takes.
type countingSender struct {
	addr    string
	mu      sync.Mutex   // Send runs on one goroutine, but Close may race a stuck Send
	conn    net.Conn     // dialled at the first Send
	sent    atomic.Int64 // stats (lines) in packets the socket accepted
	packets atomic.Int64
}

// Send writes one packet of newline-separated stats.
func (s *countingSender) Send(data []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		c, err := net.Dial("udp", s.addr)
		if err != nil {
			return 0, err
		}
		s.conn = c
	}
	n, err := s.conn.Write(data)
	if err == nil {
		s.packets.Add(1)
		s.sent.Add(int64(bytes.Count(data, []byte{'\n'}) + 1))
	}
	return n, err
}

// Close closes the socket.
func (s *countingSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	return s.conn.Close()
}
