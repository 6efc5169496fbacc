package stats

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkInternalAppendTiming is what the sending goroutine does to
// format a timing record.
func BenchmarkInternalAppendTiming(b *testing.B) {
	s, _ := NewStatsd(Config{Sender: nop{}, Prefix: "bench"})
	defer s.Close()
	e := s.seriesOf("db.query", nil)
	var buf [lineBuf]byte
	for b.Loop() {
		_ = s.appendStat(buf[:0], e.head, e.tail, kindTiming, 1234567)
	}
}

// BenchmarkInternalLineTags is what a caller does to format a tagged line
// when the series table is full.
func BenchmarkInternalLineTags(b *testing.B) {
	s, _ := NewStatsd(Config{Sender: nop{}, Prefix: "bench"})
	defer s.Close()
	tags := []Tag{T("route", "/users"), T("code", "200")}
	var hb, tb, buf [lineBuf]byte
	for b.Loop() {
		head, tail := s.lineWire(&hb, &tb, "http.server.requests", tags)
		_ = s.appendStat(buf[:0], head, tail, kindTiming, 1234567)
	}
}

func BenchmarkInternalSeriesOf(b *testing.B) {
	s, _ := NewStatsd(Config{Sender: nop{}, Prefix: "bench"})
	defer s.Close()
	for b.Loop() {
		_ = s.seriesOf("http.server.requests", nil)
	}
}

func BenchmarkInternalSeriesOfTags(b *testing.B) {
	s, _ := NewStatsd(Config{Sender: nop{}, Prefix: "bench"})
	defer s.Close()
	tags := []Tag{T("route", "/users"), T("code", "200")}
	for b.Loop() {
		_ = s.seriesOf("http.server.requests", tags)
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
	line := []byte("bench.db.query:1.234567|ms") // the line of BenchmarkInternalDrainRecords
	for b.Loop() {
		for range 1024 {
			q.push(line)
		}
		f.drain()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1024), "ns/line")
}

// BenchmarkInternalDrainRecords is BenchmarkInternalDrain for timing
// records, which the sending goroutine formats.
func BenchmarkInternalDrainRecords(b *testing.B) {
	s, _ := NewStatsd(Config{Sender: nop{}, FlushInterval: time.Hour, Prefix: "bench"})
	defer s.Close()
	f := &flusher{s: s, max: DefaultMaxPacketSize, pkt: make([]byte, 0, DefaultMaxPacketSize+lineBuf)}
	q := newQueue(4096)
	s.q = q
	r := record{kind: kindTiming, series: s.seriesOf("db.query", nil).index, v: 1234567}
	for b.Loop() {
		for range 1024 {
			q.pushRecord(r)
		}
		f.drain()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1024), "ns/line")
}

// BenchmarkInternalSeriesOfMany finds series among 2048, more than are
// found by where their strings live: most calls hash the text. Count its
// instructions with callgrind's --toggle-collect='*stats.(*Statsd).seriesOf'.
func BenchmarkInternalSeriesOfMany(b *testing.B) {
	s, _ := NewStatsd(Config{Sender: nop{}})
	defer s.Close()
	names := make([]string, 2048)
	for i := range names {
		names[i] = fmt.Sprintf("s%04d.http.server.requests", i)
		s.seriesOf(names[i], nil)
	}
	for i := 0; b.Loop(); i++ {
		_ = s.seriesOf(names[i%len(names)], nil)
	}
}
