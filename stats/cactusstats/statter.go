package cactusstats

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cactus/go-statsd-client/v5/statsd"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/stats"
)

// Statter is a cactus statsd.Statter (and SubStatter) over a stats.Emitter.
// Its methods return nil, except Raw, and never block: what the Emitter
// cannot send it drops and counts, as it always does.
//
// Sample rates are ignored: every stat reaches the Emitter, whose own
// sampling (stats.Config.SampleRate) applies, so a caller's rate cannot
// scale a count twice; SetSamplerFunc does nothing for the same reason.
//
// The Emitter's rules apply: over stats/otelstats, a Dec (a negative
// count) and a Set are dropped and counted, since OTel counters only
// increase and it keeps no sets.
type Statter struct {
	e     stats.Emitter
	names atomic.Pointer[names]
	mu    sync.Mutex // serialises replacements of names
}

var (
	_ statsd.Statter    = (*Statter)(nil)
	_ statsd.SubStatter = (*Statter)(nil)
)

// New returns a Statter sending to e, with prefix and a dot in front of
// every name when prefix is not empty (an Emitter's own prefix comes
// first). A nil e means stats.Default() as it is now.
func New(e stats.Emitter, prefix string) *Statter {
	if e == nil {
		e = stats.Default()
	}
	s := &Statter{e: e}
	s.SetPrefix(prefix)
	return s
}

// Inc counts n.
func (s *Statter) Inc(name string, n int64, _ float32, tags ...statsd.Tag) error {
	s.e.Count(s.name(name), n, tagsOf(tags)...)
	return nil
}

// Dec counts -n; Dec of math.MinInt64, whose negation an int64 cannot
// hold, counts math.MaxInt64 rather than wrapping around to a decrement.
func (s *Statter) Dec(name string, n int64, _ float32, tags ...statsd.Tag) error {
	neg := -n
	if n == math.MinInt64 {
		neg = math.MaxInt64
	}
	s.e.Count(s.name(name), neg, tagsOf(tags)...)
	return nil
}

// Gauge sets the gauge to v.
func (s *Statter) Gauge(name string, v int64, _ float32, tags ...statsd.Tag) error {
	s.e.Gauge(s.name(name), float64(v), tagsOf(tags)...)
	return nil
}

// GaugeDelta adds delta to the gauge.
func (s *Statter) GaugeDelta(name string, delta int64, _ float32, tags ...statsd.Tag) error {
	s.e.GaugeDelta(s.name(name), float64(delta), tagsOf(tags)...)
	return nil
}

// Timing records ms milliseconds, as cactus' Timing takes them. Past the
// ±292 years a time.Duration holds, it records the longest Duration of that
// sign instead of a wrapped-around one (a negative timing, the emitter
// drops and counts).
func (s *Statter) Timing(name string, ms int64, _ float32, tags ...statsd.Tag) error {
	const most = math.MaxInt64 / int64(time.Millisecond)
	d := time.Duration(ms) * time.Millisecond
	switch {
	case ms > most:
		d = math.MaxInt64
	case ms < -most:
		d = math.MinInt64
	}
	s.e.Timing(s.name(name), d, tagsOf(tags)...)
	return nil
}

// TimingDuration records d.
func (s *Statter) TimingDuration(name string, d time.Duration, _ float32, tags ...statsd.Tag) error {
	s.e.Timing(s.name(name), d, tagsOf(tags)...)
	return nil
}

// Set records member in the set.
func (s *Statter) Set(name string, member string, _ float32, tags ...statsd.Tag) error {
	s.e.Set(s.name(name), member, tagsOf(tags)...)
	return nil
}

// SetInt records member, written in decimal, in the set.
func (s *Statter) SetInt(name string, member int64, _ float32, tags ...statsd.Tag) error {
	s.e.Set(s.name(name), strconv.FormatInt(member, 10), tagsOf(tags)...)
	return nil
}

// Raw is refused with an errctx error: a raw statsd value has no meaning
// for an Emitter, which writes its own wire format (or none, for OTel).
func (s *Statter) Raw(name string, _ string, _ float32, _ ...statsd.Tag) error {
	return errctx.New("sending the raw stat "+strconv.Quote(name)+" through vitals",
		errctx.WithClass(errctx.Permanent),
		errctx.Remedy("use Inc, Gauge, Timing or Set, which vitals maps to its emitter"))
}

// NewSubStatter returns a Statter on the same Emitter whose prefix is this
// one's, a dot and sub.
func (s *Statter) NewSubStatter(sub string) statsd.SubStatter {
	return New(s.e, s.name(sub))
}

// SetPrefix replaces the prefix; it is safe while other goroutines send.
func (s *Statter) SetPrefix(prefix string) {
	s.mu.Lock()
	s.names.Store(&names{prefix: prefix})
	s.mu.Unlock()
}

// SetSamplerFunc does nothing: sample rates are ignored (see [Statter]).
func (s *Statter) SetSamplerFunc(statsd.SamplerFunc) {}

// Close does nothing and returns nil: the Emitter belongs to whoever made
// it, who closes it.
func (s *Statter) Close() error { return nil }

// tagsOf returns cactus' tags as vitals' tags without copying them, so a
// tagged call costs no allocation: a cactus Tag is [2]string, key then
// value, and a stats.Tag the two strings Key and Value, laid out alike (the
// declarations below fail to compile if that ever changes). The Emitter
// gets the caller's tags, as with any direct call.
func tagsOf(tags []statsd.Tag) []stats.Tag {
	if len(tags) == 0 {
		return nil
	}
	return unsafe.Slice((*stats.Tag)(unsafe.Pointer(unsafe.SliceData(tags))), len(tags))
}

// Each array length is negative, which does not compile, unless stats.Tag
// and statsd.Tag have the same size and Value follows Key as the second
// string follows the first.
var (
	_ [unsafe.Sizeof(stats.Tag{}) - unsafe.Sizeof(statsd.Tag{})]struct{}
	_ [unsafe.Sizeof(statsd.Tag{}) - unsafe.Sizeof(stats.Tag{})]struct{}
	_ [unsafe.Offsetof(stats.Tag{}.Value) - unsafe.Sizeof("")]struct{}
	_ [unsafe.Sizeof("") - unsafe.Offsetof(stats.Tag{}.Value)]struct{}
)
