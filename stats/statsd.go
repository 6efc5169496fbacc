package stats

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cactus/go-statsd-client/v5/statsd"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/stats/internal/seriestable"
)

// Statsd is the non-blocking statsd [Emitter]. Callers never touch the
// socket: each call puts a record of its stat into a lock-free queue, or
// drops and counts it when the queue is full, and one goroutine formats
// queued stats into packets of at most MaxPacketSize bytes and sends them.
// Handles made by NewCounter and NewGauge, and unsampled Count calls by
// name, are added to in place and sent once per flush interval.
//
// Sending goes through a github.com/cactus/go-statsd-client/v5/statsd.Sender:
// Config.Sender if set, else a UDP sender that resolves the address in the
// background. Cactus' own clients are not used on the hot path because its
// buffered sender holds a mutex while pushing into a bounded channel (callers
// stall when the socket is slow), counts no drops, and its constructors fail
// when DNS does.
//
// A Statsd is safe for concurrent use. Methods on a nil or closed Statsd do
// nothing.
type Statsd struct {
	q          *queue
	sender     statsd.Sender
	format     TagFormat
	sampleAll  bool
	sampleMax  uint64 // with !sampleAll, a call is kept when rand < sampleMax
	rateSuffix []byte // "|@0.25", or nothing
	wakeShift  uint8  // wake the sender each time 1<<wakeShift slots fill

	names  nameCache
	series seriestable.Table[series]

	closed     atomic.Bool
	dropped    atomic.Uint64
	sendErrors atomic.Uint64
	sent       atomic.Uint64

	mu       sync.Mutex // guards the handle registries
	counters registry[Counter]
	gauges   registry[Gauge]

	wake         chan struct{}
	stop         chan struct{}
	done         chan struct{} // closed when the sending goroutine returns
	closeOnce    sync.Once
	closeErr     error
	senderErr    error // from closing the sender; set before done is closed
	closeTimeout time.Duration

	flush flusher // owned by the sending goroutine
}

var _ Emitter = (*Statsd)(nil)

// NewStatsd returns a Statsd configured by cfg and starts its sending
// goroutine; call Close to flush and stop it. Only an invalid cfg is an
// error (an errctx error naming the field); an address that does not
// resolve yet is not.
func NewStatsd(cfg Config) (*Statsd, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Statsd{
		q:            newQueue(cfg.QueueSize),
		sender:       cfg.Sender,
		format:       cfg.TagFormat,
		sampleAll:    cfg.SampleRate >= 1,
		wakeShift:    uint8(max(0, min(10, bitsFor(cfg.QueueSize)-2))),
		counters:     registry[Counter]{byKey: map[string]*Counter{}},
		gauges:       registry[Gauge]{byKey: map[string]*Gauge{}},
		wake:         make(chan struct{}, 1),
		stop:         make(chan struct{}),
		done:         make(chan struct{}),
		closeTimeout: cfg.CloseTimeout,
	}
	var prefix []byte // sanitised, with a dot
	if cfg.Prefix != "" {
		prefix = append(appendSanitized(nil, cfg.Prefix), '.')
	}
	s.names.seed, s.names.prefix = seriestable.NewSeed(), prefix
	s.series.Init(seriesMax)
	if !s.sampleAll {
		s.sampleMax = uint64(cfg.SampleRate*(1<<53)) << 11 // rate × 2⁶⁴, without overflow
		s.rateSuffix = strconv.AppendFloat([]byte("|@"), cfg.SampleRate, 'f', -1, 64)
	}
	if s.sender == nil {
		s.sender = newUDPSender(cfg.Addr)
	}
	s.flush = flusher{
		s:      s,
		max:    cfg.MaxPacketSize,
		pkt:    make([]byte, 0, cfg.MaxPacketSize+lineBuf), // room to format a line that then does not fit
		every:  cfg.FlushInterval,
		report: [2][]byte{selfName(prefix, "dropped"), selfName(prefix, "send_errors")},
	}
	go s.run()
	return s, nil
}

// selfName returns the line head of one of the emitter's own totals.
func selfName(prefix []byte, what string) []byte {
	return append(append(append([]byte(nil), prefix...), "vitals.stats."...), what+":"...)
}

// lineBuf is the stack space a line is formatted in by a caller; longer
// lines (a very long name or many tags) allocate.
const lineBuf = 256

// Count implements [Emitter]. Without sampling, counts are aggregated in
// the process like a [Counter] handle's: the call is an atomic add, and the
// series' sum is sent once per flush interval (for up to 4096 series of
// name and tags; any further series is sent line by line). With
// Config.SampleRate below 1, each call is sampled and sent as its own line.
func (s *Statsd) Count(name string, n int64, tags ...Tag) {
	if !s.live() {
		return
	}
	if !s.sampleAll {
		if s.sampled() {
			s.emit(name, tags, kindCount, uint64(n))
		}
		return
	}
	if e := s.seriesOf(name, tags); e != nil {
		c := e.counter.Load()
		if c == nil {
			c = s.NewCounter(name, tags...) // the same handle for the same series
			e.counter.Store(c)
		}
		c.Add(n)
		return
	}
	s.emitLine(name, tags, kindCount, uint64(n))
}

// Timing implements [Emitter]: d is sent in milliseconds with up to six
// decimals. It is sampled at Config.SampleRate. A negative d, which statsd
// refuses, is dropped and counted.
func (s *Statsd) Timing(name string, d time.Duration, tags ...Tag) {
	if s.live() && s.nonNegative(d) && s.sampled() {
		s.emit(name, tags, kindTiming, uint64(d))
	}
}

// Gauge implements [Emitter]. Statsd reads a leading sign as a change, so
// for the Graphite and untagged formats a negative value is sent as a reset
// to 0 followed by the decrement, in one packet, and -0 as 0. A NaN or
// infinite value is dropped and counted.
func (s *Statsd) Gauge(name string, value float64, tags ...Tag) {
	if s.live() && s.finite(value) {
		s.emit(name, tags, kindGauge, math.Float64bits(value))
	}
}

// GaugeDelta implements [Emitter]: the change is sent with an explicit sign,
// which statsd adds to the gauge. (DogStatsD servers have no gauge deltas.)
// A NaN or infinite delta is dropped and counted.
func (s *Statsd) GaugeDelta(name string, delta float64, tags ...Tag) {
	if s.live() && s.finite(delta) {
		s.emit(name, tags, kindGaugeDelta, math.Float64bits(delta))
	}
}

// Set implements [Emitter]. member is sent as [NormalizeMember] returns
// it: valid UTF-8 is kept, what would break the line is replaced. A set
// member is formatted by the caller, into the series' cached wire form when
// there is one.
func (s *Statsd) Set(name string, member string, tags ...Tag) {
	if !s.live() {
		return
	}
	var buf [lineBuf]byte
	if e := s.seriesOf(name, tags); e != nil {
		s.push(appendSet(buf[:0], e.head, e.tail, member))
		return
	}
	var hb, tb [lineBuf]byte
	head, tail := s.lineWire(&hb, &tb, name, tags)
	s.push(appendSet(buf[:0], head, tail, member))
}

// emit queues a stat: as a record of its series, which the sending
// goroutine formats, or, when the series table has no room for the series,
// as a line formatted here.
func (s *Statsd) emit(name string, tags []Tag, k kind, v uint64) {
	if e := s.seriesOf(name, tags); e != nil {
		pos, ok := s.q.pushRecord(record{kind: k, series: e.index, v: v})
		s.pushed(pos, 1, ok)
		return
	}
	s.emitLine(name, tags, k, v)
}

// emitLine formats a stat of a series that has no place in the series
// table, and queues the line.
func (s *Statsd) emitLine(name string, tags []Tag, k kind, v uint64) {
	var hb, tb, buf [lineBuf]byte
	head, tail := s.lineWire(&hb, &tb, name, tags)
	s.push(s.appendStat(buf[:0], head, tail, k, v))
}

// wireOf returns the head and tail of the lines of name and tags; see
// series.
func (s *Statsd) wireOf(name string, tags []Tag) (head, tail []byte) {
	return s.appendHead(nil, name, tags), s.format.appendSuffixTags(nil, tags)
}

// lineWire is wireOf formatted into the caller's buffers.
func (s *Statsd) lineWire(hb, tb *[lineBuf]byte, name string, tags []Tag) (head, tail []byte) {
	return s.appendHead(hb[:0], name, tags), s.format.appendSuffixTags(tb[:0], tags)
}

// NewCounter implements [Emitter]. The name and tags are sanitised once;
// the same name and tags return the same handle. A handle made after Close
// counts but is never sent.
func (s *Statsd) NewCounter(name string, tags ...Tag) *Counter {
	if s == nil {
		return nil // a nil Statsd discards, as Discard does
	}
	wire, n := s.handleWire(name, tags, "|c")
	key := string(wire)
	return register(s, &s.counters, key, func() *Counter {
		return &Counter{line: key[:n], suffix: key[n:]} // one copy of the text
	})
}

// NewGauge implements [Emitter]. The name and tags are sanitised once; the
// same name and tags return the same handle. A handle made after Close
// keeps its value but is never sent.
func (s *Statsd) NewGauge(name string, tags ...Tag) *Gauge {
	if s == nil {
		return nil // a nil Statsd discards, as Discard does
	}
	wire, n := s.handleWire(name, tags, "")
	// The key shares wire's bytes, which nothing writes after this: one
	// copy of the text.
	return register(s, &s.gauges, unsafe.String(unsafe.SliceData(wire), len(wire)), func() *Gauge {
		return &Gauge{line: wire[:n:n], tail: wire[n:]}
	})
}

// registry holds the handles of one type. Handles are only ever added, to
// the end of all, so the sending goroutine copies the slice header under
// the lock and reads the handles without it: a Send that blocks never
// holds up a caller registering a handle.
type registry[H any] struct {
	byKey map[string]*H // by the wire form of their series
	all   []*H
}

// register returns the handle registered in r under key, the wire form of
// its series; the first time, it makes one with newHandle and registers it,
// unless s is closed: such a handle is returned but never sent.
func register[H any](s *Statsd, r *registry[H], key string, newHandle func() *H) *H {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := r.byKey[key]; ok {
		return h
	}
	h := newHandle()
	if !s.closed.Load() {
		r.byKey[key] = h
		r.all = append(r.all, h)
	}
	return h
}

// handles returns the registered handles, which the caller may read
// without the lock.
func (s *Statsd) handles() ([]*Counter, []*Gauge) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters.all, s.gauges.all
}

// Dropped returns how many stats were lost so far: not queued because the
// queue was full, dropped for a NaN or infinite value or a line longer than
// MaxPacketSize, or in a packet that could not be sent (no resolved address
// yet, or a failed write). It is also sent, at every flush once it is not
// zero, as a gauge of the running total, <prefix>.vitals.stats.dropped: a
// UDP socket takes a packet without error when nothing listens about every
// other time (only the next write fails), so a report can be lost even
// when Sent counts it, and the next one makes it good.
func (s *Statsd) Dropped() uint64 {
	if s == nil {
		return 0
	}
	return s.dropped.Load()
}

// Sent returns how many stats were sent so far, in packets the sender
// wrote without error: one per Timing, Gauge, GaugeDelta and Set call, and
// per Count call that is sampled or beyond the 4096 aggregated series, and
// one per handle or aggregated series per flush. A
// negative gauge's reset and value count as one; the emitter's own dropped
// and send_errors totals do not count. Once Close has returned nil, each
// of those calls made before it is counted exactly once, in Sent or in
// Dropped. A written UDP packet can still be lost on the way, and is when
// nothing listens (see SendErrors).
func (s *Statsd) Sent() uint64 {
	if s == nil {
		return 0
	}
	return s.sent.Load()
}

// SendErrors returns how many packets could not be sent so far, including
// while the address did not resolve. It is also sent, as Dropped is, as a
// gauge of the running total, <prefix>.vitals.stats.send_errors. With
// nothing listening, only about every other UDP packet fails: the others
// count as sent, and are lost.
func (s *Statsd) SendErrors() uint64 {
	if s == nil {
		return 0
	}
	return s.sendErrors.Load()
}

// Close stops taking stats, waits for the calls still queueing theirs (for
// at most half of Config.CloseTimeout; a stat not queued by then counts as
// dropped), sends what is queued and the handles' last values, waiting at
// most Config.CloseTimeout in all, then stops the sending goroutine and
// closes the sender. Calls after Close do nothing; a Timing, Gauge,
// GaugeDelta or Set racing with it is either counted or does nothing, a
// Count or handle change racing with it may be lost uncounted. Close
// returns an errctx error if the deadline passed or the sender failed to
// close; later calls return the same. After the deadline error, what was
// still queued is counted, in Sent or Dropped, once the Sender returns.
func (s *Statsd) Close() error {
	if s == nil {
		return nil
	}
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		t := time.NewTimer(s.closeTimeout)
		defer t.Stop()
		select {
		case <-s.done:
			s.closeErr = s.senderErr
		case <-t.C:
			s.closeErr = errctx.New("closing the statsd emitter: sending the queued stats and closing the sender took longer than "+s.closeTimeout.String(),
				errctx.WithClass(errctx.Indeterminate),
				errctx.Remedy("check that the statsd sender is not blocked, or raise Config.CloseTimeout"))
		}
	})
	return s.closeErr
}

// live reports whether calls are accepted.
func (s *Statsd) live() bool { return s != nil && !s.closed.Load() }

// sampled reports whether a sampled call is kept.
func (s *Statsd) sampled() bool { return s.sampleAll || rand.Uint64() < s.sampleMax }

// finite reports whether v can be sent, counting a drop when not.
func (s *Statsd) finite(v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		s.dropped.Add(1)
		return false
	}
	return true
}

// nonNegative reports whether d can be sent, counting a drop when not.
func (s *Statsd) nonNegative(d time.Duration) bool {
	if d < 0 {
		s.dropped.Add(1)
		return false
	}
	return true
}

// push queues one line, counting a drop when the queue is full.
func (s *Statsd) push(line []byte) {
	pos, k, ok := s.q.push(line)
	s.pushed(pos, k, ok)
}

// pushed counts a drop if a push of a line or record failed, and wakes the sender each time
// another 1<<wakeShift slots have filled.
func (s *Statsd) pushed(pos, k uint64, ok bool) {
	if !ok {
		s.dropped.Add(1)
		return
	}
	if (pos+k)>>s.wakeShift != pos>>s.wakeShift {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// appendHead appends the prefixed, sanitised name, Graphite tags if that is
// the format, and the ':' that precedes the value.
func (s *Statsd) appendHead(b []byte, name string, tags []Tag) []byte {
	b = append(b, s.names.wire(name)...)
	return append(s.format.appendInfixTags(b, tags), ':')
}
