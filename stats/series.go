package stats

import (
	"hash/maphash"
	"sync/atomic"
	"unsafe"
)

// Bounds of the series table: up to seriesMax series, in twice as many
// slots, so that a lookup meets an empty slot within a few probes.
const (
	seriesMax  = 4096
	seriesBits = 13
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
//   - slots, the series themselves, indexed by a hash of the whole text
//     with linear probing. A slot, once taken, keeps its series, so a
//     record holding its index always finds it, and a lookup can stop at
//     the first empty slot. At most half the slots are taken, so there is
//     always one.
//
// An entry is used only if its text equals the name and tags, so a shared
// byAddr entry costs a lookup, never a wrong series.
type seriesTable struct {
	seed   maphash.Seed
	used   atomic.Int32 // slots taken, at most seriesMax
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
	const mask = 1<<seriesBits - 1
	for i := t.hash(name, tags) >> (64 - seriesBits); ; i = (i + 1) & mask {
		slot := &t.slots[i]
		e := slot.Load()
		if e == nil {
			if !t.reserve() {
				return nil
			}
			e = &series{name: clone(name), tags: cloneTags(tags), index: uint32(i)}
			e.head, e.tail = s.wireOf(name, tags)
			if !slot.CompareAndSwap(nil, e) {
				t.used.Add(-1)
				e = slot.Load()
			}
		}
		if e.is(name, tags) {
			return e
		}
	}
}

// hash hashes the whole text of name and tags.
func (t *seriesTable) hash(name string, tags []Tag) uint64 {
	h := maphash.String(t.seed, name)
	for _, tag := range tags {
		h = mix(h, maphash.String(t.seed, tag.Key))
		h = mix(h, maphash.String(t.seed, tag.Value))
	}
	return h
}

// mix combines a hash with the next one, in order.
func mix(h, next uint64) uint64 { return (h ^ next) * 0x9e3779b97f4a7c15 }

// reserve takes one of the seriesMax places, reporting false when none is
// left.
func (t *seriesTable) reserve() bool {
	for {
		n := t.used.Load()
		if n >= seriesMax {
			return false
		}
		if t.used.CompareAndSwap(n, n+1) {
			return true
		}
	}
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
