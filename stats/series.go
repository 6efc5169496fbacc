package stats

import (
	"sync/atomic"
	"unsafe"
)

// Bounds of the series table: up to 1<<seriesBits series, each placed in
// one of seriesProbes slots from its hash.
const (
	seriesBits   = 12
	seriesProbes = 8
)

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

// seriesTable holds the series a Statsd has seen, for good, up to its
// bound; a further series is formatted by its caller, line by line. Two
// tables, as in nameCache:
//
//   - byAddr, indexed by where the caller's strings live: names, tag keys
//     and most tag values are constants, so a few multiplies find them; an
//     entry is replaced by the next series landing there;
//   - slots, the series themselves, indexed by a hash of the text with
//     linear probing. A slot, once taken, keeps its series, so a record
//     holding its index always finds it.
//
// An entry is used only if its text equals the name and tags, so a shared
// byAddr entry costs a lookup, never a wrong series.
type seriesTable struct {
	seed   uint64
	byAddr [1 << nameCacheBits]atomic.Pointer[series]
	slots  [1 << seriesBits]atomic.Pointer[series]
}

// at returns the series in slot i, which a record names.
func (t *seriesTable) at(i uint32) *series { return t.slots[i].Load() }

// seriesOf returns the series of name and tags, making it at first use, or
// nil when the table has no room for it.
func (s *Statsd) seriesOf(name string, tags []Tag) *series {
	a := &s.series.byAddr[addrHash(name, tags)>>(64-nameCacheBits)]
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
	h := nameHash(name, t.seed)
	for _, tag := range tags {
		h = nameHash(tag.Value, nameHash(tag.Key, h))
	}
	const mask = 1<<seriesBits - 1
	for i, p := h>>(64-seriesBits), 0; p < seriesProbes; i, p = (i+1)&mask, p+1 {
		slot := &t.slots[i]
		e := slot.Load()
		if e == nil {
			e = &series{name: clone(name), tags: cloneTags(tags), index: uint32(i)}
			e.head, e.tail = s.wireOf(name, tags)
			if !slot.CompareAndSwap(nil, e) {
				e = slot.Load()
			}
		}
		if e.is(name, tags) {
			return e
		}
	}
	return nil
}

// is reports whether e is the series of name and tags.
func (e *series) is(name string, tags []Tag) bool {
	if e.name != name || len(e.tags) != len(tags) {
		return false
	}
	for i := range tags {
		if e.tags[i] != tags[i] {
			return false
		}
	}
	return true
}

// addrHash hashes where name and the tags' strings live, and their
// lengths.
func addrHash(name string, tags []Tag) uint64 {
	const m = 0x9e3779b97f4a7c15
	h := (uint64(uintptr(unsafe.Pointer(unsafe.StringData(name)))) ^ uint64(len(name)<<48) ^ uint64(len(tags))) * m
	for _, t := range tags {
		h = (h ^ uint64(uintptr(unsafe.Pointer(unsafe.StringData(t.Key))))) * m
		h = (h ^ uint64(uintptr(unsafe.Pointer(unsafe.StringData(t.Value))))) * m
	}
	return h
}

func cloneTags(tags []Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]Tag, len(tags))
	for i, t := range tags {
		out[i] = Tag{Key: clone(t.Key), Value: clone(t.Value)}
	}
	return out
}
