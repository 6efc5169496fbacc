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
// A call adds to an in-process counter, or formats one line into a bounded
// lock-free queue, and returns; one goroutine packs queued lines into packets of at most Config.MaxPacketSize
// bytes and sends them. When the queue is full, or the server is down or its
// name does not resolve yet, stats are dropped and counted: see
// [Statsd.Dropped] and [Statsd.SendErrors], which are also sent as
// <prefix>.vitals.stats.dropped and .send_errors once sending works.
//
// On hot paths, [Emitter.NewCounter] and [Emitter.NewGauge] return handles
// whose updates are single atomic operations, summed in the process and
// sent once per Config.FlushInterval. [Statsd.Count] by name aggregates the
// same way (unless sampling), so a count is one line per series per
// interval however often it is called.
//
// # Costs
//
// A handle's Inc is one uncontended atomic add (counters are sharded per
// core); Count by name adds a lookup of its series. Other calls by name cost
// a cache lookup of the sanitised name, formatting on the stack and one slot
// of the queue. No call allocates, except the first for a series or name,
// and a line longer than 256 bytes or with more than 16 tags. Calls through
// the Emitter interface with tags allocate the variadic slice, as any
// interface call does; call a *Statsd directly, or use handles, where that
// matters.
//
// # Names and tags
//
// Names are Graphite paths: lower-case segments of [a-z0-9_-] joined by
// dots (see [Sanitize] and [Name]). Tags are written sorted by key, without
// duplicates, in Graphite form (name;k=v) by default or DogStatsD form
// (|#k:v); see [Tag] and [TagFormat]. No name, tag or set member can break a
// statsd line.
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
