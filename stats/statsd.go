package stats

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cactus/go-statsd-client/v5/statsd"

	"github.com/vitals-go/vitals/errctx"
)

// Statsd is the non-blocking statsd [Emitter]. Callers never touch the
// socket: each call formats its line into a lock-free queue, or drops and
// counts it when the queue is full, and one goroutine packs queued lines
// into packets of at most MaxPacketSize bytes and sends them. Handles made
// by NewCounter and NewGauge, and unsampled Count calls by name, are added
// to in place and sent once per flush interval.
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

	names nameCache
	agg   aggregator

	closed     atomic.Bool
	dropped    atomic.Uint64
	sendErrors atomic.Uint64

	mu       sync.Mutex // guards the handle registries
	counters map[string]*Counter
	gauges   map[string]*Gauge

	wake         chan struct{}
	stop         chan struct{}
	done         chan struct{} // closed when the sending goroutine returns
	closeOnce    sync.Once
	closeErr     error
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
		counters:     map[string]*Counter{},
		gauges:       map[string]*Gauge{},
		wake:         make(chan struct{}, 1),
		stop:         make(chan struct{}),
		done:         make(chan struct{}),
		closeTimeout: cfg.CloseTimeout,
	}
	var prefix []byte // sanitised, with a dot
	if cfg.Prefix != "" {
		prefix = append(appendSanitized(nil, cfg.Prefix), '.')
	}
	s.names.seed, s.names.prefix = rand.Uint64(), prefix
	s.agg.seed = rand.Uint64()
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
		pkt:    make([]byte, 0, cfg.MaxPacketSize),
		every:  cfg.FlushInterval,
		report: [2][]byte{selfName(prefix, "dropped"), selfName(prefix, "send_errors")},
	}
	go s.run()
	return s, nil
}

// selfName returns the line head of one of the emitter's own counters.
func selfName(prefix []byte, what string) []byte {
	return append(append(append([]byte(nil), prefix...), "vitals.stats."...), what+":"...)
}

// lineBuf is the stack space a line is formatted in; longer lines (a very
// long name or many tags) allocate.
const lineBuf = 256

// Count implements [Emitter]. Without sampling, counts are aggregated in
// the process like a [Counter] handle's: the call is an atomic add, and the
// series' sum is sent once per flush interval (for up to 1024 series; any
// further series is sent line by line). With Config.SampleRate below 1,
// each call is sampled and sent as its own line.
func (s *Statsd) Count(name string, n int64, tags ...Tag) {
	if !s.live() {
		return
	}
	if s.sampleAll {
		if c := s.agg.counter(name, tags, func() *Counter { return s.NewCounter(name, tags...) }); c != nil {
			c.Add(n)
			return
		}
	} else if !s.sampled() {
		return
	}
	var buf [lineBuf]byte
	s.push(s.appendCount(buf[:0], name, n, tags))
}

// Timing implements [Emitter]: d is sent in milliseconds with up to six
// decimals. It is sampled at Config.SampleRate.
func (s *Statsd) Timing(name string, d time.Duration, tags ...Tag) {
	if s.live() && s.sampled() {
		var buf [lineBuf]byte
		s.push(s.appendTiming(buf[:0], name, d, tags))
	}
}

// Gauge implements [Emitter]. Statsd reads a leading sign as a change, so
// for the Graphite and untagged formats a negative value is sent as a reset
// to 0 followed by the decrement, in one packet. A NaN or infinite value is
// dropped and counted.
func (s *Statsd) Gauge(name string, value float64, tags ...Tag) {
	if s.live() && s.finite(value) {
		var buf [lineBuf]byte
		s.push(s.appendGauge(buf[:0], name, value, tags))
	}
}

// GaugeDelta implements [Emitter]: the change is sent with an explicit sign,
// which statsd adds to the gauge. (DogStatsD servers have no gauge deltas.)
// A NaN or infinite delta is dropped and counted.
func (s *Statsd) GaugeDelta(name string, delta float64, tags ...Tag) {
	if s.live() && s.finite(delta) {
		var buf [lineBuf]byte
		s.push(s.appendGaugeDelta(buf[:0], name, delta, tags))
	}
}

// Set implements [Emitter]. Bytes of member that would break the line
// become '_'; an empty member is sent as "_".
func (s *Statsd) Set(name string, member string, tags ...Tag) {
	if s.live() {
		var buf [lineBuf]byte
		s.push(s.appendSet(buf[:0], name, member, tags))
	}
}

// The append functions build the line of each kind of stat.

func (s *Statsd) appendCount(b []byte, name string, n int64, tags []Tag) []byte {
	b = strconv.AppendInt(s.appendHead(b, name, tags), n, 10)
	b = append(append(b, "|c"...), s.rateSuffix...)
	return s.format.appendSuffixTags(b, tags)
}

func (s *Statsd) appendTiming(b []byte, name string, d time.Duration, tags []Tag) []byte {
	b = appendMillis(s.appendHead(b, name, tags), d)
	b = append(append(b, "|ms"...), s.rateSuffix...)
	return s.format.appendSuffixTags(b, tags)
}

func (s *Statsd) appendGauge(b []byte, name string, v float64, tags []Tag) []byte {
	if v < 0 && s.format != TagsDogStatsD {
		b = append(s.appendHead(b, name, tags), "0|g"...)
		b = append(s.format.appendSuffixTags(b, tags), '\n')
	}
	b = append(appendFloat(s.appendHead(b, name, tags), v), "|g"...)
	return s.format.appendSuffixTags(b, tags)
}

func (s *Statsd) appendGaugeDelta(b []byte, name string, delta float64, tags []Tag) []byte {
	b = s.appendHead(b, name, tags)
	if delta >= 0 {
		b = append(b, '+')
	}
	b = append(appendFloat(b, delta), "|g"...)
	return s.format.appendSuffixTags(b, tags)
}

func (s *Statsd) appendSet(b []byte, name string, member string, tags []Tag) []byte {
	b = s.appendHead(b, name, tags)
	if member == "" {
		member = "_"
	}
	b = append(appendValue(b, member), "|s"...)
	return s.format.appendSuffixTags(b, tags)
}

// NewCounter implements [Emitter]. The name and tags are sanitised once;
// the same name and tags return the same handle. A handle made after Close
// counts but is never sent.
func (s *Statsd) NewCounter(name string, tags ...Tag) *Counter {
	if s == nil {
		return &Counter{}
	}
	c := newCounter()
	c.line = s.appendHead(nil, name, tags)
	c.suffix = s.format.appendSuffixTags([]byte("|c"), tags)
	key := string(c.line) + string(c.suffix)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.counters[key]; ok {
		return old
	}
	if !s.closed.Load() {
		s.counters[key] = c
	}
	return c
}

// NewGauge implements [Emitter]. The name and tags are sanitised once; the
// same name and tags return the same handle. A handle made after Close
// keeps its value but is never sent.
func (s *Statsd) NewGauge(name string, tags ...Tag) *Gauge {
	if s == nil {
		return &Gauge{}
	}
	g := &Gauge{
		line:   s.appendHead(nil, name, tags),
		suffix: s.format.appendSuffixTags([]byte("|g"), tags),
	}
	key := string(g.line) + string(g.suffix)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.gauges[key]; ok {
		return old
	}
	if !s.closed.Load() {
		s.gauges[key] = g
	}
	return g
}

// Dropped returns how many stats were lost so far: not queued because the
// queue was full, dropped for a NaN or infinite value or a line longer than
// MaxPacketSize, or in a packet that could not be sent (no resolved address
// yet, or a failed write). It is also sent, as a count of
// <prefix>.vitals.stats.dropped, once sending works.
func (s *Statsd) Dropped() uint64 {
	if s == nil {
		return 0
	}
	return s.dropped.Load()
}

// SendErrors returns how many packets could not be sent so far, including
// while the address did not resolve. It is also sent, as a count of
// <prefix>.vitals.stats.send_errors, once sending works.
func (s *Statsd) SendErrors() uint64 {
	if s == nil {
		return 0
	}
	return s.sendErrors.Load()
}

// Close sends what is queued and the handles' last values, waiting at most
// Config.CloseTimeout, then stops the sending goroutine and closes the
// sender. Calls after Close do nothing; calls racing with it may be lost
// uncounted. Close returns an errctx error if the deadline passed or the
// sender failed to close; later calls return the same.
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
		case <-t.C:
			s.closeErr = errctx.New("closing the statsd emitter: sending the queued stats took longer than "+s.closeTimeout.String(),
				errctx.WithClass(errctx.Indeterminate),
				errctx.Remedy("check that the statsd sender is not blocked, or raise Config.CloseTimeout"))
		}
		if err := s.sender.Close(); err != nil && s.closeErr == nil {
			s.closeErr = errctx.Wrap(err, "closing the statsd sender",
				errctx.Remedy("nothing to do; stats queued after this point were dropped"))
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

// push queues one line, counting a drop when the queue is full, and wakes
// the sender each time another 1<<wakeShift slots have filled.
func (s *Statsd) push(line []byte) {
	pos, k, ok := s.q.push(line)
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

// appendMillis appends d in milliseconds with up to six decimals.
func appendMillis(b []byte, d time.Duration) []byte {
	ns := max(int64(d), -math.MaxInt64) // so that -ns does not overflow
	if ns < 0 {
		b = append(b, '-')
		ns = -ns
	}
	b = strconv.AppendInt(b, ns/1e6, 10)
	frac := ns % 1e6
	if frac == 0 {
		return b
	}
	var digits [6]byte
	for i := 5; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 6
	for digits[n-1] == '0' {
		n--
	}
	return append(append(b, '.'), digits[:n]...)
}

// appendFloat appends v in plain decimal notation, or with an exponent when
// it is very large or very small.
func appendFloat(b []byte, v float64) []byte {
	if a := math.Abs(v); a == 0 || a >= 1e-6 && a < 1e15 {
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
