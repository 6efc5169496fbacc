package stats_test

import (
	"testing"
	"time"

	"github.com/vitals-go/vitals/stats"
)

// newBenchStatsd returns a Statsd sending to a loopback listener that
// discards what it reads.
func newBenchStatsd(b *testing.B) *stats.Statsd {
	l := listen(b)
	l.discard.Store(true)
	s, err := stats.NewStatsd(stats.Config{Addr: l.addr(), Prefix: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkCounterInc(b *testing.B) {
	c := newBenchStatsd(b).NewCounter("requests")
	b.ReportAllocs()
	for b.Loop() {
		c.Inc()
	}
}

func BenchmarkCounterIncParallel(b *testing.B) {
	c := newBenchStatsd(b).NewCounter("requests")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Inc()
		}
	})
}

func BenchmarkGaugeSet(b *testing.B) {
	g := newBenchStatsd(b).NewGauge("inflight")
	b.ReportAllocs()
	for b.Loop() {
		g.Set(42)
	}
}

func BenchmarkCount(b *testing.B) {
	s := newBenchStatsd(b)
	b.ReportAllocs()
	for b.Loop() {
		s.Count("http.server.requests", 1)
	}
}

func BenchmarkCountTags(b *testing.B) {
	s := newBenchStatsd(b)
	b.ReportAllocs()
	for b.Loop() {
		s.Count("http.server.requests", 1, stats.T("route", "/users"), stats.T("code", "200"))
	}
}

// BenchmarkTiming records a duration by name, a line per call: the caller
// queues a record and returns; the sending goroutine formats and sends.
// Flat out, one caller queues faster than one goroutine can write packets
// to the socket, so most calls are dropped (and counted): dropped/op.
func BenchmarkTiming(b *testing.B) {
	s := newBenchStatsd(b)
	d := 1234567 * time.Nanosecond
	b.ReportAllocs()
	for b.Loop() {
		s.Timing("db.query", d)
	}
	b.ReportMetric(float64(s.Dropped())/float64(b.N), "dropped/op")
}

func BenchmarkTimingTags(b *testing.B) {
	s := newBenchStatsd(b)
	d := 1234567 * time.Nanosecond
	b.ReportAllocs()
	for b.Loop() {
		s.Timing("db.query", d, stats.T("db", "users"), stats.T("op", "select"))
	}
	b.ReportMetric(float64(s.Dropped())/float64(b.N), "dropped/op")
}

func BenchmarkCountParallel(b *testing.B) {
	s := newBenchStatsd(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Count("http.server.requests", 1)
		}
	})
}

func BenchmarkSanitize(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		stats.Sanitize("HTTP.Server..Requests/GET")
	}
}

// BenchmarkCountNoSocket is BenchmarkCount with a sender that discards
// packets: the cost of the call and of packing, without the kernel's.
func BenchmarkCountNoSocket(b *testing.B) {
	s, err := stats.NewStatsd(stats.Config{Sender: nopSender{}, Prefix: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	b.ReportAllocs()
	for b.Loop() {
		s.Count("http.server.requests", 1)
	}
	b.ReportMetric(float64(s.Dropped())/float64(b.N), "dropped/op")
}
