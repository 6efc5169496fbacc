package stats

import "testing"

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
