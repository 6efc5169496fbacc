package bench_test

import (
	"net"
	"testing"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
	cactus "github.com/cactus/go-statsd-client/v5/statsd"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/cactusstats"
)

// statsSink is a loopback UDP server that reads and discards every packet,
// the same for every library.
func statsSink(b *testing.B) string {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	_ = c.SetReadBuffer(8 << 20)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1<<16)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	}()
	b.Cleanup(func() { c.Close(); <-done })
	return c.LocalAddr().String()
}

// statsClient is one library's way to count, time and increment a
// pre-registered counter.
type statsClient struct {
	count  func(name string, n int64)
	tagged func(name string, n int64) // with the tags route=/users, code=200
	timing func(name string, d time.Duration)
	// timingTagged records a duration with the tags db=users, op=select.
	timingTagged func(name string, d time.Duration)
	inc          func() // a hot-path counter, as cheap as the library allows
	// dropped, if known, is how many stats the library dropped so far: a
	// library that drops rather than blocks is only fast if it also
	// delivers, so the benchmarks report it.
	dropped func() uint64
}

var statsClients = []struct {
	name string
	make func(b *testing.B, addr string) statsClient
}{
	{"vitals", func(b *testing.B, addr string) statsClient {
		s, err := stats.NewStatsd(stats.Config{Addr: addr, Prefix: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		tags := []stats.Tag{stats.T("route", "/users"), stats.T("code", "200")}
		dbTags := []stats.Tag{stats.T("db", "users"), stats.T("op", "select")}
		c := s.NewCounter("hot.counter")
		return statsClient{
			count:        func(name string, n int64) { s.Count(name, n) },
			tagged:       func(name string, n int64) { s.Count(name, n, tags...) },
			timing:       func(name string, d time.Duration) { s.Timing(name, d) },
			timingTagged: func(name string, d time.Duration) { s.Timing(name, d, dbTags...) },
			inc:          c.Inc,
			dropped:      s.Dropped,
		}
	}},
	// Code written against cactus' Statter, given vitals' emitter through
	// stats/cactusstats: the same calls as cactus_*, on vitals' queue.
	{"cactus_api_on_vitals", func(b *testing.B, addr string) statsClient {
		s, err := stats.NewStatsd(stats.Config{Addr: addr, Prefix: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		c := cactusAPI(cactusstats.New(s, ""))
		c.dropped = s.Dropped
		return c
	}},
	{"cactus_buffered", func(b *testing.B, addr string) statsClient {
		return cactusClient(b, addr, true)
	}},
	{"cactus_unbuffered", func(b *testing.B, addr string) statsClient {
		return cactusClient(b, addr, false)
	}},
	{"datadog", func(b *testing.B, addr string) statsClient {
		c, err := statsd.New(addr, statsd.WithNamespace("bench."), statsd.WithoutTelemetry())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		tags := []string{"route:/users", "code:200"}
		dbTags := []string{"db:users", "op:select"}
		return statsClient{
			count:        func(name string, n int64) { _ = c.Count(name, n, nil, 1) },
			tagged:       func(name string, n int64) { _ = c.Count(name, n, tags, 1) },
			timing:       func(name string, d time.Duration) { _ = c.Timing(name, d, nil, 1) },
			timingTagged: func(name string, d time.Duration) { _ = c.Timing(name, d, dbTags, 1) },
			// datadog-go aggregates counts in the client by default: its
			// cheapest increment.
			inc: func() { _ = c.Incr("hot.counter", nil, 1) },
		}
	}},
}

func cactusClient(b *testing.B, addr string, buffered bool) statsClient {
	c, err := cactus.NewClientWithConfig(&cactus.ClientConfig{
		Address: addr, Prefix: "bench", UseBuffered: buffered, TagFormat: cactus.InfixSemicolon,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return cactusAPI(c)
}

// cactusAPI counts and times through cactus' Statter interface.
func cactusAPI(c cactus.Statter) statsClient {
	tags := []cactus.Tag{{"route", "/users"}, {"code", "200"}}
	dbTags := []cactus.Tag{{"db", "users"}, {"op", "select"}}
	return statsClient{
		count:        func(name string, n int64) { _ = c.Inc(name, n, 1) },
		tagged:       func(name string, n int64) { _ = c.Inc(name, n, 1, tags...) },
		timing:       func(name string, d time.Duration) { _ = c.TimingDuration(name, d, 1) },
		timingTagged: func(name string, d time.Duration) { _ = c.TimingDuration(name, d, 1, dbTags...) },
		inc:          func() { _ = c.Inc("hot.counter", 1, 1) }, // cactus has no handles
	}
}

// runStats runs op for each library against its own loopback sink.
func runStats(b *testing.B, parallel bool, op func(statsClient)) {
	for _, lib := range statsClients {
		b.Run(lib.name, func(b *testing.B) {
			c := lib.make(b, statsSink(b))
			b.ReportAllocs()
			if parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						op(c)
					}
				})
			} else {
				for b.Loop() {
					op(c)
				}
			}
			if c.dropped != nil {
				b.ReportMetric(float64(c.dropped())/float64(b.N), "dropped/op")
			}
		})
	}
}

// BenchmarkStatsCount counts by name, no tags. vitals and datadog-go sum
// counts in the process and send one line per series per interval; cactus
// sends a line per call.
func BenchmarkStatsCount(b *testing.B) {
	runStats(b, false, func(c statsClient) { c.count("http.server.requests", 1) })
}

// BenchmarkStatsCountTagged counts by name with two tags.
func BenchmarkStatsCountTagged(b *testing.B) {
	runStats(b, false, func(c statsClient) { c.tagged("http.server.requests", 1) })
}

// BenchmarkStatsTiming records a duration by name: a line per call for
// every library.
func BenchmarkStatsTiming(b *testing.B) {
	runStats(b, false, func(c statsClient) { c.timing("db.query", 1234567*time.Nanosecond) })
}

// BenchmarkStatsTimingTagged records a duration by name with two tags.
func BenchmarkStatsTimingTagged(b *testing.B) {
	runStats(b, false, func(c statsClient) { c.timingTagged("db.query", 1234567*time.Nanosecond) })
}

// BenchmarkStatsCountParallel counts by name from every core.
func BenchmarkStatsCountParallel(b *testing.B) {
	runStats(b, true, func(c statsClient) { c.count("http.server.requests", 1) })
}

// BenchmarkStatsHotCounter increments a hot-path counter: a vitals handle,
// datadog-go's client-side aggregated Incr, cactus' Inc.
func BenchmarkStatsHotCounter(b *testing.B) {
	runStats(b, false, func(c statsClient) { c.inc() })
}

// BenchmarkStatsHotCounterParallel is BenchmarkStatsHotCounter from every
// core.
func BenchmarkStatsHotCounterParallel(b *testing.B) {
	runStats(b, true, func(c statsClient) { c.inc() })
}
