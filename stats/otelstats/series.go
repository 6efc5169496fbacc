package otelstats

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/otel/metric"

	"github.com/vitals-go/vitals/stats"
)

// addrBits sizes the table found by the address of the caller's strings.
const addrBits = 10

// series is one kind, name and tag list as the caller spelled them, with
// everything a call needs made once: its instrument and its attribute set
// wrapped in the option slices the instrument methods take, so that a call
// passes them without allocating.
type series struct {
	kind    kind
	name    string
	tags    []stats.Tag
	inst    *instrument
	add     []metric.AddOption
	record  []metric.RecordOption
	observe []metric.ObserveOption
	counter *stats.Counter // kindCounterHandle only
	gauge   *stats.Gauge   // kindGaugeHandle only
	// reported are handles of other Emitters given by ReportCounter or
	// ReportGauge; replaced under inst.mu, never changed.
	reportedCounters atomic.Pointer[[]*stats.Counter]
	reportedGauges   atomic.Pointer[[]*stats.Gauge]
}

// seriesTable finds a series the way stats' series table does: first by
// where the caller's strings live (names and tag keys are constants, so a
// few multiplies find them), then by a hash of the whole text, with linear
// probing in slots that, once taken, keep their series. At most half the
// slots are taken, so a probe always ends at an empty slot.
type seriesTable struct {
	seed   maphash.Seed
	mu     sync.Mutex // serialises the making of series
	used   atomic.Int32
	byAddr [1 << addrBits]atomic.Pointer[series]
	slots  [1 << seriesBits]atomic.Pointer[series]
}

// seriesOf returns the series of k, name and tags, making it at first use,
// or nil, counted as dropped, when the instrument or the table is full or
// the provider could not make the instrument.
func (e *Emitter) seriesOf(k kind, name string, tags []stats.Tag) *series {
	a := &e.table.byAddr[addrHash(k, name, tags)>>(64-addrBits)]
	if s := a.Load(); s != nil && s.is(k, name, tags) {
		return s
	}
	s := e.findSeries(k, name, tags)
	if s != nil {
		a.Store(s)
	}
	return s
}

// findSeries looks k, name and tags up by their text, making the series if
// they are new.
func (e *Emitter) findSeries(k kind, name string, tags []stats.Tag) *series {
	t := &e.table
	const mask = 1<<seriesBits - 1
	for i := t.hash(k, name, tags) >> (64 - seriesBits); ; i = (i + 1) & mask {
		slot := &t.slots[i]
		s := slot.Load()
		if s == nil {
			if s = e.newSeries(k, name, tags, slot); s == nil {
				return nil
			}
		}
		if s.is(k, name, tags) {
			return s
		}
	}
}

// newSeries makes the series of k, name and tags in slot, the first empty
// one of their probe, taking a place in its instrument and in the table, or
// returns nil and counts the drop when there is none. When another
// goroutine filled slot first, it returns that series, which may be
// another's, for the caller to compare. Places are taken under
// e.table.mu, so that goroutines racing to make one series never see each
// other's place as the last one taken and drop a stat of a series within
// the bound; the provider is called before, without the lock. It works on
// copies of name and tags, so that the caller's strings never escape to
// the heap.
func (e *Emitter) newSeries(k kind, name string, tags []stats.Tag, slot *atomic.Pointer[series]) *series {
	own, ownTags := clone(name), cloneTags(tags)
	in := e.instrumentOf(k, own)
	if in.broken() {
		if in.conflict {
			e.conflicts.Add(1)
		} else {
			e.failed.Add(1)
		}
		return nil
	}
	set := attributesOf(ownTags)
	e.table.mu.Lock()
	defer e.table.mu.Unlock()
	if s := slot.Load(); s != nil {
		return s
	}
	if in.taken.Load() >= int32(e.maxSeries) || e.table.used.Load() >= maxTotalSeries {
		e.overflow.Add(1)
		return nil
	}
	in.taken.Add(1)
	e.table.used.Add(1)
	s := &series{kind: k, name: own, tags: ownTags, inst: in,
		add:     []metric.AddOption{metric.WithAttributeSet(set)},
		record:  []metric.RecordOption{metric.WithAttributeSet(set)},
		observe: []metric.ObserveOption{metric.WithAttributeSet(set)},
	}
	s.counter, s.gauge = newHandles(k)
	if s.counter != nil || s.gauge != nil {
		in.addHandle(s)
	}
	slot.Store(s)
	return s
}

// hash hashes the kind and the whole text of name and tags.
func (t *seriesTable) hash(k kind, name string, tags []stats.Tag) uint64 {
	h := mix(maphash.String(t.seed, name), uint64(k))
	for _, tag := range tags {
		h = mix(h, maphash.String(t.seed, tag.Key))
		h = mix(h, maphash.String(t.seed, tag.Value))
	}
	return h
}

// mix combines a hash with the next one, in order.
func mix(h, next uint64) uint64 { return (h ^ next) * 0x9e3779b97f4a7c15 }

// addrHash hashes the kind, where name and the tags' strings live, and
// their lengths.
func addrHash(k kind, name string, tags []stats.Tag) uint64 {
	h := mix(uint64(uintptr(unsafe.Pointer(unsafe.StringData(name)))), uint64(len(name)<<48)^uint64(len(tags))<<8^uint64(k))
	for _, t := range tags {
		h = mix(h, uint64(uintptr(unsafe.Pointer(unsafe.StringData(t.Key)))))
		h = mix(h, uint64(uintptr(unsafe.Pointer(unsafe.StringData(t.Value)))))
	}
	return h
}

// is reports whether s is the series of k, name and tags.
func (s *series) is(k kind, name string, tags []stats.Tag) bool {
	if s.kind != k || s.name != name || len(s.tags) != len(tags) {
		return false
	}
	for i := range tags {
		if s.tags[i] != tags[i] {
			return false
		}
	}
	return true
}

// clone returns a copy of s that does not share the caller's memory.
func clone(s string) string { return string(append([]byte(nil), s...)) }

func cloneTags(tags []stats.Tag) []stats.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]stats.Tag, len(tags))
	for i, t := range tags {
		out[i] = stats.Tag{Key: clone(t.Key), Value: clone(t.Value)}
	}
	return out
}
