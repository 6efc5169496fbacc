package stats

import "sync/atomic"

// aggBits sets how many series Count by name aggregates in the process: 1024.
const aggBits = 10

// aggregator finds the counter that aggregates Count calls for a name and
// its tags, so that Count costs an atomic add instead of a line, as a
// handle does, and the sum goes out once per flush interval. It is indexed
// by a hash of the name and tags; each slot holds one series for good. A
// series whose slot is taken by another is sent line by line instead.
type aggregator struct {
	seed  uint64
	slots [1 << aggBits]atomic.Pointer[aggSeries]
}

// aggSeries is one aggregated series: the caller's name and tags, copied,
// and its counter.
type aggSeries struct {
	name string
	tags []Tag
	c    *Counter
}

// counter returns the counter aggregating name and tags, registering one
// through newCounter on first use, or nil if the slot belongs to another
// series.
func (a *aggregator) counter(name string, tags []Tag, newCounter func() *Counter) *Counter {
	h := nameHash(name, a.seed)
	for _, t := range tags {
		h = nameHash(t.Value, nameHash(t.Key, h))
	}
	slot := &a.slots[h>>(64-aggBits)]
	e := slot.Load()
	if e == nil {
		e = &aggSeries{name: clone(name), tags: cloneTags(tags), c: newCounter()}
		if !slot.CompareAndSwap(nil, e) {
			e = slot.Load()
		}
	}
	if e.name != name || !sameTags(e.tags, tags) {
		return nil
	}
	return e.c
}

func sameTags(a, b []Tag) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
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
