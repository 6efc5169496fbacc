package stats_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/benchmetric"
	"github.com/vitals-go/vitals/stats"
)

// BenchmarkHotPath calls each hot-path method from a function of its own
// that is never inlined (hot…), so that callgrind can count the
// instructions of exactly those calls: a figure that, unlike nanoseconds,
// does not move with the machine's load.
//
//	go test -c -o stats.test ./stats/
//	GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --toggle-collect='*stats_test.hot*' \
//	    ./stats.test -test.run '^$' -test.bench 'BenchmarkHotPath/Count$' -test.benchtime 100000x
//
// The summary divided by 100001 (the benchmark runs once with N=1 first)
// is the instructions per call, with the wrapper's call and return. The
// emitter discards packets, and its queue holds 1<<18 stats, so a
// call of a run of up to 1<<18 calls never takes the path of a drop
// (dropped/op says when one did); the loop yields every 100 calls,
// so that the scheduler never preempts it inside a hot… function, which
// would make callgrind count another goroutine's work.
func BenchmarkHotPath(b *testing.B) {
	for _, bm := range []struct {
		name string
		call func(*stats.Statsd) func()
	}{
		{"Inc", func(s *stats.Statsd) func() { c := s.NewCounter("requests"); return func() { hotInc(c) } }},
		{"GaugeHandleSet", func(s *stats.Statsd) func() { g := s.NewGauge("inflight"); return func() { hotGaugeSet(g) } }},
		{"Count", func(s *stats.Statsd) func() { return func() { hotCount(s) } }},
		{"CountManySeries", func(s *stats.Statsd) func() {
			names, i := manyNames("http.server.requests"), 0
			return func() { i++; hotCountName(s, names[i%len(names)]) }
		}},
		{"CountTags", func(s *stats.Statsd) func() { return func() { hotCountTags(s) } }},
		{"Timing", func(s *stats.Statsd) func() { return func() { hotTiming(s) } }},
		{"TimingManySeries", func(s *stats.Statsd) func() {
			names, i := manyNames("db.query"), 0
			return func() { i++; hotTimingName(s, names[i%len(names)]) }
		}},
		{"TimingTags", func(s *stats.Statsd) func() { return func() { hotTimingTags(s) } }},
		{"Gauge", func(s *stats.Statsd) func() { return func() { hotGauge(s) } }},
		{"Set", func(s *stats.Statsd) func() { return func() { hotSet(s) } }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			s, err := stats.NewStatsd(stats.Config{Sender: nopSender{}, Prefix: "bench", QueueSize: 1 << 18})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			call := bm.call(s)
			for range 4096 {
				call() // the first call of a series makes it
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				call()
				if i%100 == 99 {
					runtime.Gosched()
				}
			}
			b.ReportMetric(float64(s.Dropped())/float64(b.N), "dropped/op")
		})
	}
}

// manyNames returns 2048 names of series, more than the emitter finds by
// where their text lives, so that most calls cycling through them find
// their series by a hash of the text. They differ in their first bytes.
func manyNames(name string) []string {
	names := make([]string, 2048)
	for i := range names {
		names[i] = fmt.Sprintf("s%04d.%s", i, name)
	}
	return names
}

//go:noinline
func hotCountName(s *stats.Statsd, name string) { s.Count(name, 1) }

//go:noinline
func hotTimingName(s *stats.Statsd, name string) { s.Timing(name, 1234567*time.Nanosecond) }

//go:noinline
func hotInc(c *stats.Counter) { c.Inc() }

//go:noinline
func hotGaugeSet(g *stats.Gauge) { g.Set(42) }

//go:noinline
func hotCount(s *stats.Statsd) { s.Count("http.server.requests", 1) }

//go:noinline
func hotCountTags(s *stats.Statsd) {
	s.Count("http.server.requests", 1, stats.T("route", "/users"), stats.T("code", "200"))
}

//go:noinline
func hotTiming(s *stats.Statsd) { s.Timing("db.query", 1234567*time.Nanosecond) }

//go:noinline
func hotTimingTags(s *stats.Statsd) {
	s.Timing("db.query", 1234567*time.Nanosecond, stats.T("db", "users"), stats.T("op", "select"))
}

//go:noinline
func hotGauge(s *stats.Statsd) { s.Gauge("pool.size", 42) }

//go:noinline
func hotSet(s *stats.Statsd) { s.Set("users", "u-12345") }

// BenchmarkHotPathRatio reports each hot-path call's cost as a multiple of
// one atomic add to a shared word (x-atomic), measured in alternating
// stretches (see internal/benchmetric): a figure that a loaded machine
// moves far less than nanoseconds. Multiply by an atomic add's cost on
// your machine (about 2-5 ns) for the call's. With -benchtime 2000x or
// less (200 calls an iteration) the queue holds every stat of a run, so no
// call takes the path of a drop (dropped-share says when one did).
func BenchmarkHotPathRatio(b *testing.B) {
	var word atomic.Int64
	atomicAdd := func() { word.Add(1) }
	for _, bm := range []struct {
		name string
		call func(*stats.Statsd) func()
	}{
		{"Inc", func(s *stats.Statsd) func() { return s.NewCounter("requests").Inc }},
		{"Count", func(s *stats.Statsd) func() { return func() { hotCount(s) } }},
		{"CountTags", func(s *stats.Statsd) func() { return func() { hotCountTags(s) } }},
		{"Timing", func(s *stats.Statsd) func() { return func() { hotTiming(s) } }},
		{"TimingTags", func(s *stats.Statsd) func() { return func() { hotTimingTags(s) } }},
		{"Gauge", func(s *stats.Statsd) func() { return func() { hotGauge(s) } }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			s, err := stats.NewStatsd(stats.Config{Sender: nopSender{}, Prefix: "bench", QueueSize: 1 << 18})
			if err != nil {
				b.Fatal(err)
			}
			warmQueue(b, s)
			warmed, warmDropped := s.Sent()+s.Dropped(), s.Dropped()
			call := bm.call(s)
			call()
			b.ReportMetric(benchmetric.PairedRatio(b, atomicAdd, call), "x-atomic")
			_ = s.Close()
			// Flat out, one caller queues faster than the sending
			// goroutine formats: the share of Timing and Gauge calls
			// dropped (and counted) says how often a call took that path.
			b.ReportMetric(float64(s.Dropped()-warmDropped)/float64(max(1, s.Dropped()+s.Sent()-warmed)), "dropped-share")
		})
	}
}

// warmQueue runs every slot of s's queue through once, so that its memory
// is mapped before the calls are timed, and waits until it is sent.
func warmQueue(b *testing.B, s *stats.Statsd) {
	const n = 1 << 18
	for i := range n {
		s.Timing("warm", time.Duration(i))
		if i%1024 == 0 {
			runtime.Gosched() // let the sending goroutine keep up
		}
	}
	for deadline := time.Now().Add(10 * time.Second); s.Sent()+s.Dropped() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("the warm-up stats were not sent: %d sent, %d dropped", s.Sent(), s.Dropped())
		}
	}
	if d := s.Dropped(); d > 0 {
		b.Logf("%d warm-up stats dropped", d)
	}
}
