package stats_test

import (
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/stats"
)

// newStatsd returns a Statsd for cfg that the test closes.
func newStatsd(t testing.TB, cfg stats.Config) *stats.Statsd {
	t.Helper()
	s, err := stats.NewStatsd(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestWireLines(t *testing.T) {
	tags := []stats.Tag{stats.T("route", "/users"), stats.T("code", "200")}
	cases := []struct {
		format stats.TagFormat
		want   []string
	}{
		{stats.TagsGraphite, []string{
			"app.db.query;code=200;route=.users:1.234567|ms",
			"app.pool.size;code=200;route=.users:12.5|g",
			"app.temp;code=200;route=.users:0|g",
			"app.temp;code=200;route=.users:-3.5|g",
			"app.temp;code=200;route=.users:+2|g",
			"app.temp;code=200;route=.users:-0.25|g",
			"app.users;code=200;route=.users:bob_1|s",
			"app.http.requests;code=200;route=.users:2|c",
			"app.handle;code=200;route=.users:0|g",
			"app.handle;code=200;route=.users:-1|g",
		}},
		{stats.TagsDogStatsD, []string{
			"app.db.query:1.234567|ms|#code:200,route:/users",
			"app.pool.size:12.5|g|#code:200,route:/users",
			"app.temp:-3.5|g|#code:200,route:/users",
			"app.temp:+2|g|#code:200,route:/users",
			"app.temp:-0.25|g|#code:200,route:/users",
			"app.users:bob_1|s|#code:200,route:/users",
			"app.http.requests:2|c|#code:200,route:/users",
			"app.handle:-1|g|#code:200,route:/users",
		}},
		{stats.TagsNone, []string{
			"app.db.query:1.234567|ms",
			"app.pool.size:12.5|g",
			"app.temp:0|g",
			"app.temp:-3.5|g",
			"app.temp:+2|g",
			"app.temp:-0.25|g",
			"app.users:bob_1|s",
			"app.http.requests:2|c",
			"app.handle:0|g",
			"app.handle:-1|g",
		}},
	}
	for _, c := range cases {
		t.Run(c.format.String(), func(t *testing.T) {
			l := listen(t)
			s := newStatsd(t, stats.Config{Addr: l.addr(), Prefix: "App", TagFormat: c.format})
			s.Count("HTTP.Requests", 1, tags...)
			s.Count("HTTP.Requests", 1, tags...) // summed with the first, sent at the flush
			s.Timing("db.query", 1234567*time.Nanosecond, tags...)
			s.Gauge("pool.size", 12.5, tags...)
			s.Gauge("temp", -3.5, tags...)
			s.GaugeDelta("temp", 2, tags...)
			s.GaugeDelta("temp", -0.25, tags...)
			s.Set("users", "bob:1", tags...)
			s.NewGauge("handle", tags...).Set(-1) // sent at the flush, after the counts
			require.NoError(t, s.Close())         // flushes
			assert.Equal(t, c.want, l.waitLines(t, len(c.want)))
		})
	}
}

func TestTimingIsMillisecondsWithDecimals(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr()})
	for _, d := range []time.Duration{0, time.Millisecond, 1500 * time.Microsecond, time.Nanosecond, 2*time.Second + 10*time.Nanosecond, -time.Millisecond / 2} {
		s.Timing("t", d)
	}
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"t:0|ms", "t:1|ms", "t:1.5|ms", "t:0.000001|ms", "t:2000.00001|ms"}, l.waitLines(t, 5)[:5])
	assert.Equal(t, uint64(1), s.Dropped(), "statsd refuses a negative timing: dropped and counted")
	assert.Equal(t, uint64(5), s.Sent())
}

func TestTagsSortedDedupedSanitised(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr()})
	s.Count("x", 1, stats.T("z", "1"), stats.T("a", "old"), stats.T("k=!^;", "~v;|@#:, \n"), stats.T("a", "new"), stats.T("", ""))
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"x;_=_;a=new;k_3D_21_5E_3B=_7Ev_3B_7C_40_23__2C__0A;z=1:1|c"}, l.waitLines(t, 1))
}

func TestPacksLinesUpToMaxPacketSize(t *testing.T) {
	l := listen(t)
	const max = 200
	s := newStatsd(t, stats.Config{Addr: l.addr(), MaxPacketSize: max})
	var want []string
	for i := range 300 {
		s.Timing(fmt.Sprintf("packing.metric%d", i), time.Duration(i)*time.Millisecond)
		want = append(want, fmt.Sprintf("packing.metric%d:%d|ms", i, i))
	}
	require.NoError(t, s.Close())
	l.waitLines(t, len(want))
	pkts := l.packets()
	for i, p := range pkts {
		assert.LessOrEqual(t, len(p), max)
		if i < len(pkts)-1 {
			next := strings.SplitN(pkts[i+1], "\n", 2)[0]
			assert.Greater(t, len(p)+1+len(next), max, "packet %d had room for the next line", i)
		}
	}
	assert.Equal(t, want, l.lines(), "every line, in order")
	assert.Less(t, len(pkts), 300/5, "lines share packets")
}

func TestLineLongerThanPacketIsDroppedAndCounted(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr(), MaxPacketSize: 64})
	s.Timing(strings.Repeat("long", 20), 1)
	s.Timing("short", time.Millisecond)
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"short:1|ms", "vitals.stats.dropped:1|g"}, l.waitLines(t, 2))
	assert.Equal(t, uint64(1), s.Dropped())
}

func TestHandlesAggregatePerFlushInterval(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr(), Prefix: "svc", FlushInterval: 20 * time.Millisecond})
	c := s.NewCounter("jobs.done", stats.T("queue", "mail"))
	assert.Same(t, c, s.NewCounter("Jobs.Done", stats.T("queue", "mail")), "same series, same handle")
	g := s.NewGauge("jobs.inflight")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				c.Inc()
			}
		})
	}
	wg.Wait()
	c.Add(-10)
	g.Set(7)
	g.Add(-2)
	lines := l.waitLines(t, 2)
	assert.ElementsMatch(t, []string{"svc.jobs.done;queue=mail:3990|c", "svc.jobs.inflight:5|g"}, lines[:2],
		"one line per handle per interval, with the sum")

	c.Add(5)
	g.Set(-1.5)
	require.NoError(t, s.Close())
	lines = l.waitLines(t, 5)
	counts := 0
	for _, line := range lines {
		if strings.HasPrefix(line, "svc.jobs.done") {
			counts++
		}
	}
	assert.Equal(t, 2, counts, "an unchanged counter sends nothing: %q", lines)
	assert.Equal(t, "svc.jobs.done;queue=mail:5|c", lastWith(lines, "svc.jobs.done"))
	assert.Equal(t, []string{"svc.jobs.inflight:0|g", "svc.jobs.inflight:-1.5|g"}, lines[len(lines)-2:])
	assert.Equal(t, int64(3995), c.Value())
}

func lastWith(lines []string, prefix string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], prefix) {
			return lines[i]
		}
	}
	return ""
}

func TestSampling(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr(), SampleRate: 0.25, QueueSize: 1 << 16})
	const n = 20000
	for range n {
		s.Count("sampled", 1)
		s.Timing("timed", time.Millisecond)
	}
	s.Gauge("never.sampled", 1)
	s.Set("never.sampled.set", "a")
	require.NoError(t, s.Close())
	got := map[string]int{}
	waitFor(t, func() bool { return slices.Contains(l.lines(), "never.sampled.set:a|s") })
	for _, line := range l.lines() {
		got[line]++
	}
	assert.Equal(t, 1, got["never.sampled:1|g"])
	assert.Equal(t, 1, got["never.sampled.set:a|s"])
	// Binomial(20000, 0.25): mean 5000, standard deviation 61; allow 8σ.
	assert.InDelta(t, 5000, got["sampled:1|c|@0.25"], 500)
	assert.InDelta(t, 5000, got["timed:1|ms|@0.25"], 500)
	assert.Len(t, got, 4, "only these lines: %v", got)
	assert.Zero(t, s.Dropped())
}

func TestAddrFromEnvironment(t *testing.T) {
	l := listen(t)
	t.Setenv(stats.AddrEnv, l.addr())
	s := newStatsd(t, stats.Config{})
	s.Count("from.env", 1)
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"from.env:1|c"}, l.waitLines(t, 1))
}

func TestInvalidConfigNamesTheField(t *testing.T) {
	cases := map[string]stats.Config{
		"Addr":          {Addr: "no-port"},
		"FlushInterval": {FlushInterval: -time.Second},
		"MaxPacketSize": {MaxPacketSize: 70000},
		"TagFormat":     {TagFormat: 9},
		"SampleRate":    {SampleRate: 1.5},
		"QueueSize":     {QueueSize: -1},
		"CloseTimeout":  {CloseTimeout: -1},
	}
	cases["SampleRate NaN"] = stats.Config{SampleRate: math.NaN()}
	cases["Addr port"] = stats.Config{Addr: "localhost:99999"}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			field := strings.Fields(name)[0]
			s, err := stats.NewStatsd(cfg)
			require.Error(t, err)
			assert.Nil(t, s)
			var e *errctx.Error
			require.ErrorAs(t, err, &e)
			assert.Contains(t, err.Error(), "field "+field)
			assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
			assert.NotEmpty(t, errctx.RemediesOf(err))
		})
	}
}

// stuckSender is a sink that blocks every Send until released, then
// counts the lines it is given.
type stuckSender struct {
	release chan struct{}
	lines   atomic.Int64 // lines other than the emitter's own counters
	self    sync.Map     // the emitter's own counter lines
}

func newStuckSender() *stuckSender { return &stuckSender{release: make(chan struct{})} }

func (s *stuckSender) Send(p []byte) (int, error) {
	<-s.release
	for line := range strings.SplitSeq(string(p), "\n") {
		if strings.HasPrefix(line, "vitals.stats.") {
			s.self.Store(line, true)
			continue
		}
		s.lines.Add(1)
	}
	return len(p), nil
}

func (s *stuckSender) Close() error { return nil }

func TestBlockedSinkNeverBlocksCallersAndCountsEveryDrop(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sink := newStuckSender()
	s, err := stats.NewStatsd(stats.Config{Sender: sink, QueueSize: 4096, FlushInterval: time.Millisecond})
	require.NoError(t, err)
	healthy, err := stats.NewStatsd(stats.Config{Sender: nopSender{}, QueueSize: 4096, FlushInterval: time.Millisecond})
	require.NoError(t, err)
	defer healthy.Close()
	const calls = 1_000_000
	timer := newCallTimer(t, time.Millisecond, func() { healthy.Timing("healthy.sink", time.Millisecond) })
	for i := range calls {
		timer.time(func() { s.Timing("blocked.sink", time.Duration(i)) })
	}
	timer.check(t)
	close(sink.release)
	require.NoError(t, s.Close())
	assert.Equal(t, int64(calls), sink.lines.Load()+int64(s.Dropped()), "every call is delivered or counted as dropped")
	assert.Equal(t, uint64(sink.lines.Load()), s.Sent(), "Sent counts what the sender took")
	assert.Greater(t, s.Dropped(), uint64(calls/2), "most calls dropped while the sink was blocked")
}

func TestCloseIsBoundedWhenTheSinkHangs(t *testing.T) {
	sink := newStuckSender()
	s, err := stats.NewStatsd(stats.Config{Sender: sink, CloseTimeout: 50 * time.Millisecond})
	require.NoError(t, err)
	s.Count("hang", 1)
	start := time.Now()
	err = s.Close()
	assert.Less(t, time.Since(start), time.Second)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "took longer than 50ms")
	assert.Equal(t, err, s.Close(), "Close again returns the same")
	close(sink.release) // let the sending goroutine finish
	waitFor(t, func() bool { return s.Sent()+s.Dropped() == 1 })
}

func TestCloseFlushesAndStopsEveryGoroutine(t *testing.T) {
	l := listen(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := stats.NewStatsd(stats.Config{Addr: l.addr(), FlushInterval: time.Hour})
	require.NoError(t, err)
	s.Count("queued", 1)
	s.NewCounter("handle").Add(3)
	require.NoError(t, s.Close())
	assert.ElementsMatch(t, []string{"queued:1|c", "handle:3|c"}, l.waitLines(t, 2))

	// Later calls do nothing, and do not count as drops.
	s.Count("after", 1)
	s.Gauge("after", math.NaN())
	s.NewCounter("after").Inc()
	s.NewGauge("after").Set(1)
	require.NoError(t, s.Close())
	assert.Zero(t, s.Dropped())
}

func TestHostNameResolvedInBackground(t *testing.T) {
	l := listen(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	_, port, _ := strings.Cut(l.addr(), ":")
	s, err := stats.NewStatsd(stats.Config{Addr: "localhost:" + port, FlushInterval: 5 * time.Millisecond})
	require.NoError(t, err)
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(l.lines(), "resolved:1|ms") && time.Now().Before(deadline) {
		s.Timing("resolved", time.Millisecond)
		time.Sleep(5 * time.Millisecond) // a bounded poll for the background resolution
	}
	require.NoError(t, s.Close())
	assert.Contains(t, l.lines(), "resolved:1|ms")
}

func TestUnresolvableAddrIsNotAnErrorAndDropsAreCounted(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := stats.NewStatsd(stats.Config{Addr: "statsd.invalid:8125", FlushInterval: time.Millisecond})
	require.NoError(t, err)
	for range 10 {
		s.Timing("lost", time.Millisecond)
	}
	require.NoError(t, s.Close())
	assert.Equal(t, uint64(10), s.Dropped())
	assert.Zero(t, s.Sent())
	assert.Positive(t, s.SendErrors())
}

// switchSender fails every send until working is set, then writes to a
// real socket.
type switchSender struct {
	working atomic.Bool
	conn    net.Conn
}

func (f *switchSender) Send(p []byte) (int, error) {
	if !f.working.Load() {
		return 0, errors.New("simulated send failure")
	}
	return f.conn.Write(p)
}

func (f *switchSender) Close() error { return f.conn.Close() }

func TestDropsAndSendErrorsAreReportedOnceSendingWorks(t *testing.T) {
	l := listen(t)
	conn, err := net.Dial("udp", l.addr())
	require.NoError(t, err)
	sender := &switchSender{conn: conn}
	s := newStatsd(t, stats.Config{Sender: sender, Prefix: "app", FlushInterval: 5 * time.Millisecond})
	for range 5 {
		s.Timing("lost", time.Millisecond)
	}
	waitFor(t, func() bool { return s.Dropped() == 5 && s.SendErrors() >= 2 })
	sender.working.Store(true)
	s.Timing("kept", time.Millisecond)
	waitFor(t, func() bool { return lastWith(l.lines(), "app.vitals.stats.dropped") != "" })
	require.NoError(t, s.Close())
	lines := l.waitLines(t, 3)
	assert.Contains(t, lines, "app.kept:1|ms")
	assert.Equal(t, "app.vitals.stats.dropped:5|g", lastWith(lines, "app.vitals.stats.dropped"))
	assert.Equal(t, fmt.Sprintf("app.vitals.stats.send_errors:%d|g", s.SendErrors()), lastWith(lines, "app.vitals.stats.send_errors"))
	assert.Equal(t, uint64(5), s.Dropped())
}

// blackHole takes packets without error and loses them until working is
// set, as a UDP socket does with nothing listening (only every other write
// to a closed port fails), then writes to a real socket.
type blackHole struct {
	working atomic.Bool
	lost    atomic.Int64
	conn    net.Conn
}

func (b *blackHole) Send(p []byte) (int, error) {
	if !b.working.Load() {
		b.lost.Add(1)
		return len(p), nil
	}
	return b.conn.Write(p)
}

func (b *blackHole) Close() error { return b.conn.Close() }

// A report lost on the way is made good by the next one: the emitter sends
// its running totals at every flush.
func TestLostDropReportsAreMadeGood(t *testing.T) {
	l := listen(t)
	conn, err := net.Dial("udp", l.addr())
	require.NoError(t, err)
	sender := &blackHole{conn: conn}
	s := newStatsd(t, stats.Config{Sender: sender, FlushInterval: 5 * time.Millisecond})
	for range 3 {
		s.Gauge("lost", math.NaN())
	}
	waitFor(t, func() bool { return sender.lost.Load() >= 2 }) // flushes whose reports were lost
	sender.working.Store(true)
	waitFor(t, func() bool { return lastWith(l.lines(), "vitals.stats.dropped") != "" })
	require.NoError(t, s.Close())
	assert.Equal(t, "vitals.stats.dropped:3|g", lastWith(l.lines(), "vitals.stats.dropped"))
}

// waitFor polls cond every millisecond for up to five seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, time.Millisecond)
}

func TestCountAggregatesPerFlushInterval(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr(), FlushInterval: time.Hour})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 2500 {
				s.Count("jobs", 1)
				s.Count("jobs", 1, stats.T("queue", []string{"mail", "sms"}[i%2]))
			}
		})
	}
	wg.Wait()
	require.NoError(t, s.Close())
	assert.ElementsMatch(t, []string{"jobs:10000|c", "jobs;queue=mail:5000|c", "jobs;queue=sms:5000|c"}, l.waitLines(t, 3),
		"one line per series, with the exact sum")
}

func TestSentCountsStatsInWrittenPackets(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr(), MaxPacketSize: 100, FlushInterval: time.Hour})
	for i := range 50 {
		s.Timing("sent.timing", time.Duration(i)*time.Millisecond)
	}
	s.Gauge("sent.gauge", -1) // two lines, one stat
	for range 10 {
		s.Count("sent.count", 1) // aggregated: one line
	}
	s.NewGauge("sent.handle").Set(2)
	require.NoError(t, s.Close())
	lines := l.waitLines(t, 54)
	assert.Len(t, lines, 54)
	assert.Equal(t, uint64(53), s.Sent(), "50 timings, a gauge, a count and a handle")
	assert.Zero(t, s.Dropped())
	assert.Zero(t, (*stats.Statsd)(nil).Sent())
}

// More series than the emitter caches: the ones beyond are formatted by
// their callers, and every line arrives as it should.
func TestManySeriesAllArrive(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr(), QueueSize: 1 << 16, FlushInterval: time.Hour})
	const n = 6000 // the table holds 4096
	want := make([]string, 0, 2*n)
	for i := range n {
		id := strconv.Itoa(i)
		s.Timing("many", time.Duration(i)*time.Microsecond, stats.T("id", id))
		s.Gauge("many.g", float64(i), stats.T("id", id))
		want = append(want, fmt.Sprintf("many;id=%d:%s|ms", i, strconv.FormatFloat(float64(i)/1000, 'f', -1, 64)),
			fmt.Sprintf("many.g;id=%d:%d|g", i, i))
	}
	require.NoError(t, s.Close())
	assert.Equal(t, want, l.waitLines(t, len(want)), "in order: one producer")
	assert.Zero(t, s.Dropped())
	assert.Equal(t, uint64(len(want)), s.Sent())
}

// Records (timings, gauges) and lines (set members) share packets, in
// order, and a negative gauge's two lines never straddle two packets.
func TestPacksRecordsAndLinesTogether(t *testing.T) {
	l := listen(t)
	const max = 120
	s := newStatsd(t, stats.Config{Addr: l.addr(), MaxPacketSize: max, FlushInterval: time.Hour})
	var want []string
	for i := range 200 {
		switch i % 3 {
		case 0:
			s.Timing("mix.t", time.Duration(i)*time.Millisecond)
			want = append(want, fmt.Sprintf("mix.t:%d|ms", i))
		case 1:
			s.Set("mix.s", "m"+strconv.Itoa(i))
			want = append(want, fmt.Sprintf("mix.s:m%d|s", i))
		case 2:
			s.Gauge("mix.g", -float64(i))
			want = append(want, "mix.g:0|g", fmt.Sprintf("mix.g:-%d|g", i))
		}
	}
	require.NoError(t, s.Close())
	assert.Equal(t, want, l.waitLines(t, len(want)))
	for _, p := range l.packets() {
		assert.LessOrEqual(t, len(p), max)
		assert.False(t, strings.HasSuffix(p, ":0|g"), "a reset without its value: %q", p)
	}
}
