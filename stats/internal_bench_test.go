package stats

import (
	"testing"
	"time"
)

func BenchmarkInternalAppendCount(b *testing.B) {
	s, _ := NewStatsd(Config{Sender: nop{}, Prefix: "bench"})
	defer s.Close()
	var buf [lineBuf]byte
	for b.Loop() {
		_ = s.appendCount(buf[:0], "http.server.requests", 1, nil)
	}
}

func BenchmarkInternalAppendCountTags(b *testing.B) {
	s, _ := NewStatsd(Config{Sender: nop{}, Prefix: "bench"})
	defer s.Close()
	tags := []Tag{T("route", "/users"), T("code", "200")}
	var buf [lineBuf]byte
	for b.Loop() {
		_ = s.appendCount(buf[:0], "http.server.requests", 1, tags)
	}
}

func BenchmarkInternalNameOf(b *testing.B) {
	s, _ := NewStatsd(Config{Sender: nop{}, Prefix: "bench"})
	defer s.Close()
	for b.Loop() {
		_ = s.names.wire("http.server.requests")
	}
}

func BenchmarkInternalPushPop(b *testing.B) {
	q := newQueue(1024)
	line := []byte("bench.http.server.requests:1|c")
	var out []byte
	for b.Loop() {
		q.push(line)
		out, _ = q.pop(out[:0])
	}
}

type nop struct{}

func (nop) Send(b []byte) (int, error) { return len(b), nil }
func (nop) Close() error               { return nil }

// BenchmarkInternalDrain is the sending goroutine's cost per line, alone:
// lines are queued, then drained into packets for a sender that discards.
func BenchmarkInternalDrain(b *testing.B) {
	s, _ := NewStatsd(Config{Sender: nop{}, FlushInterval: time.Hour})
	defer s.Close()
	f := &flusher{s: s, max: DefaultMaxPacketSize, pkt: make([]byte, 0, DefaultMaxPacketSize)}
	q := newQueue(4096)
	s.q = q
	line := []byte("bench.http.server.requests:1|c")
	for b.Loop() {
		for range 1024 {
			q.push(line)
		}
		f.drain()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1024), "ns/line")
}
