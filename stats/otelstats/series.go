package otelstats

import (
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/internal/seriestable"
)

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

// seriesOf returns the series of k, name and tags, making it at first use,
// or nil, counted as dropped, when the instrument or the table is full or
// the provider could not make the instrument. The table, shared with
// package stats (see stats/internal/seriestable), finds it by where the
// caller's strings live, else by a hash of their whole text.
func (e *Emitter) seriesOf(k kind, name string, tags []stats.Tag) *series {
	a := e.table.ByAddr(seriestable.Addr(uint8(k), name, tags))
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
	for i := t.Start(seriestable.Hash(t.Seed(), uint8(k), name, tags)); ; i = t.Next(i) {
		s := t.At(i)
		if s == nil {
			if s = e.newSeries(k, name, tags, i); s == nil {
				return nil
			}
		}
		if s.is(k, name, tags) {
			return s
		}
	}
}

// newSeries makes the series of k, name and tags in slot i, the first
// empty one of their search, taking a place in its instrument and in the
// table, or returns nil and counts the drop when there is none. When
// another goroutine filled slot i first, it returns that series, which may
// be another's, for the caller to compare. The table adds one series at a
// time, so that goroutines racing to make one series never see each
// other's place as the last one taken and drop a stat of a series within
// the bound; the provider is called before, without the lock. It works on
// copies of name and tags, so that the caller's strings never escape to
// the heap.
func (e *Emitter) newSeries(k kind, name string, tags []stats.Tag, i uint32) *series {
	own, ownTags := seriestable.Clone(name), seriestable.CloneTags(tags)
	in := e.instrumentOf(k, own)
	if in.broken() {
		if in.conflict {
			e.conflicts.Add(1)
		} else {
			e.failed.Add(1)
		}
		return nil
	}
	s := e.table.Add(i, func() *series {
		if !seriestable.Reserve(&in.taken, int32(e.maxSeries)) {
			return nil
		}
		set := attributesOf(ownTags)
		s := &series{kind: k, name: own, tags: ownTags, inst: in,
			add:     []metric.AddOption{metric.WithAttributeSet(set)},
			record:  []metric.RecordOption{metric.WithAttributeSet(set)},
			observe: []metric.ObserveOption{metric.WithAttributeSet(set)},
		}
		s.counter, s.gauge = newHandles(k)
		if s.counter != nil || s.gauge != nil {
			in.addHandle(s)
		}
		return s
	})
	if s == nil {
		e.overflow.Add(1)
	}
	return s
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
