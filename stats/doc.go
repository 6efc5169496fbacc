// Package stats sends statsd stats without ever blocking, failing or
// panicking in its callers.
//
// Code emits through an [Emitter]: counts, gauges, timings and sets, each
// with a name and optional [Tag]s. [NewStatsd] returns the emitter that
// sends them to a statsd server over UDP; [Default] returns the process-wide
// emitter ([Discard] until [SetDefault] is called); package statstest
// records them in memory for tests.
//
// The smallest complete use:
//
//	s, err := stats.NewStatsd(stats.Config{Prefix: "billing"}) // $STATSD_ADDR or 127.0.0.1:8125
//	if err != nil {
//		return err // only an invalid Config fails
//	}
//	defer s.Close()
//	stats.SetDefault(s)
//
//	stats.Default().Count("invoices.sent", 1, stats.T("plan", "pro"))
//
// # Guarantees
//
// A call adds to an in-process counter, or puts one record (the series, the
// kind of stat and its value) into a bounded lock-free queue, and returns;
// one goroutine formats the queued stats into packets of at most
// Config.MaxPacketSize bytes and sends them. When the queue is full, or the
// server is down or its name does not resolve yet, stats are dropped and
// counted: see [Statsd.Dropped] and [Statsd.SendErrors], whose running
// totals are also sent at every flush, as the gauges
// <prefix>.vitals.stats.dropped and .send_errors, so that a report lost on
// the way is made good by the next, and [Statsd.Sent]. No caller waits on
// the sending goroutine: a Config.Sender that blocks, fails or panics only
// loses packets, counted. Once Close has returned nil, every Timing, Gauge,
// GaugeDelta and Set call that returned before it is counted exactly once,
// in Sent or in Dropped.
//
// On hot paths, [Emitter.NewCounter] and [Emitter.NewGauge] return handles
// whose updates are single atomic operations, summed in the process and
// sent once per Config.FlushInterval. [Statsd.Count] by name aggregates the
// same way (unless sampling), so a count is one line per series per
// interval however often it is called.
//
// # Costs
//
// A handle's Inc is one atomic compare-and-swap on one word; the first
// time adds from different goroutines meet, the counter spreads over cache
// lines and Inc becomes an uncontended atomic add. A handle costs ~140 B
// until then, a few KB after (see bench/README.md). A call by name first
// finds its series, the name and tags with their wire form made once:
// usually one multiply per string, hashing where the strings live, else a
// hash of their whole text, eight bytes per multiply. Count then adds to
// the series' counter; Timing, Gauge and GaugeDelta write a record of a
// few words into one slot of the queue, two compare-and-swaps (claiming
// the slot, publishing it).
// A Set member is formatted by the caller. Up to 4096 series (name and
// tags) are kept; stats of further series are formatted by their callers
// on the stack, line by line. No call allocates, except the first for a
// series or name, and a line formatted by its caller that is longer than
// 256 bytes or has more than 16 tags. Calls through the Emitter interface
// with tags allocate the variadic slice, as any interface call does; call a
// *Statsd directly, or use handles, where that matters.
//
// # Names and tags
//
// Names are Graphite paths: lower-case segments of [a-z0-9_-] joined by
// dots (see [Sanitize] and [Name]); two names that sanitise alike
// ("HTTP Requests", "http_requests") are one series. Tags are written sorted
// by key, without duplicates, in Graphite form (name;k=v) by default or
// DogStatsD form (|#k:v); in Graphite form only bytes that the statsd
// daemon passes on to carbon unchanged are written, the others are encoded
// (see [Tag] and [TagFormat]). Set members keep valid UTF-8 (see
// [NormalizeMember]). No name, tag or set member can break a statsd line.
//
// # The wire layer
//
// Packets are written through the Sender interface of
// github.com/cactus/go-statsd-client/v5/statsd, so any cactus sender (or a
// custom one) can be plugged in as Config.Sender. The default sender is a
// connected UDP socket that resolves host names in the background. Cactus'
// clients themselves are not used: their buffered sender stalls callers
// under congestion and counts no drops, and their constructors fail when DNS
// does.
package stats
