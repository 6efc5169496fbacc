package stats

import (
	"sync/atomic"

	"github.com/vitals-go/vitals/stats/internal/seriestable"
)

// seriesMax bounds the series table: a further series is formatted by its
// caller, line by line.
const seriesMax = 4096

// series is one name with its tags, as the caller spelled them, and its wire
// form, made once: a stat of a known series is queued as a record (the
// series' index, a kind and a value) and formatted by the sending goroutine.
type series struct {
	name  string
	tags  []Tag
	index uint32
	head  []byte // prefix + sanitised name + Graphite tags + ':'
	tail  []byte // DogStatsD tags, "|#k:v,...", or nothing
	// counter sums the unsampled Count calls of the series; made at the
	// first.
	counter atomic.Pointer[Counter]
}

// seriesOf returns the series of name and tags, making it at first use, or
// nil when the table has no room for it. The table (package
// stats/internal/seriestable) finds it by where the caller's strings live, else
// by a hash of their whole text; an entry is used only if its text equals
// the name and tags, so a shared entry costs a lookup, never a wrong
// series.
func (s *Statsd) seriesOf(name string, tags []Tag) *series {
	a := s.series.ByAddr(seriestable.Addr(0, name, tags))
	if e := a.Load(); e != nil && e.is(name, tags) {
		return e
	}
	e := s.findSeries(name, tags)
	if e != nil {
		a.Store(e)
	}
	return e
}

// findSeries looks name and tags up by their text, taking a free slot for
// them if they are new.
func (s *Statsd) findSeries(name string, tags []Tag) *series {
	t := &s.series
	for i := t.Start(seriestable.Hash(t.Seed(), 0, name, tags)); ; i = t.Next(i) {
		e := t.At(i)
		if e == nil {
			if e = s.addSeries(i, name, tags); e == nil {
				return nil
			}
		}
		if e.is(name, tags) {
			return e
		}
	}
}

// addSeries makes the series of name and tags in slot i, found empty, or
// returns the series another goroutine put there first (which may be
// another's, for the caller to compare), or nil when the table is full.
// It works on copies of name and tags, so that the caller's strings never
// escape to the heap.
func (s *Statsd) addSeries(i uint32, name string, tags []Tag) *series {
	return s.series.Add(i, func() *series {
		e := &series{name: seriestable.Clone(name), tags: seriestable.CloneTags(tags), index: i}
		e.head, e.tail = s.wireOf(e.name, e.tags)
		return e
	})
}

// is reports whether e is the series of name and tags.
func (e *series) is(name string, tags []Tag) bool {
	if e.name != name || len(e.tags) != len(tags) {
		return false
	}
	for i := range tags { // not slices.Equal: 4 instructions more per call
		if e.tags[i] != tags[i] {
			return false
		}
	}
	return true
}
