package alert

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// overflowKey is the fingerprint that occurrences of new fingerprints fall
// into once MaxFingerprints are tracked.
const overflowKey = 0

const shardCount = 64

// shard is one part of the fingerprint table. Readers load its map without
// a lock: a repeat, the hot path, touches no shared cache line but its
// entry's. Writers (a new fingerprint, a sweep, a resolve) copy the map
// under mu; fingerprints are few, and the copy is one shard's share.
type shard struct {
	mu sync.Mutex
	m  atomic.Pointer[map[uint64]*entry]
}

// get returns the entry of key, or nil.
func (s *shard) get(key uint64) *entry {
	if m := s.m.Load(); m != nil {
		return (*m)[key]
	}
	return nil
}

// edit replaces the map with a copy changed by fn; s.mu is held.
func (s *shard) edit(fn func(m map[uint64]*entry)) {
	var m map[uint64]*entry
	if old := s.m.Load(); old != nil {
		m = maps.Clone(*old)
	} else {
		m = make(map[uint64]*entry)
	}
	fn(m)
	s.m.Store(&m)
}

// entry is the throttle state of one fingerprint.
type entry struct {
	mu          sync.Mutex
	fingerprint string
	alert       Alert     // the first occurrence, for digests
	ongoing     bool      // raised by Fire, kept until Resolve
	count       int64     // occurrences in the window
	suppressed  int64     // occurrences not delivered since the last delivery
	first, last time.Time // first and last occurrence in the window
	windowEnd   time.Time
	gone        bool // removed from the table; a caller holding it looks again
}

// verdict is the throttle's decision about one occurrence.
type verdict struct {
	deliver                bool
	occurrence, suppressed int64
	first, last            time.Time
	fingerprint            string
}

// milestone reports whether the n-th occurrence is delivered: the 1st, 10th,
// 100th, 1000th...
func milestone(n int64) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}

// lookup returns the entry of key, making it from a (whose fingerprint is
// fp, or derived from key when empty) if it is new. Past MaxFingerprints
// the occurrence is charged to the overflow entry.
func (n *Notifier) lookup(key uint64, a *Alert, now time.Time) *entry {
	s := &n.shards[key%shardCount]
	e := s.get(key)
	if e != nil {
		return e
	}
	if key != overflowKey && n.tracked.Load() >= int64(n.cfg.MaxFingerprints) {
		return n.lookup(overflowKey, &overflowAlert, now)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e = s.get(key); e == nil {
		fp := a.Fingerprint
		if fp == "" {
			fp = fingerprintText(key)
		}
		e = &entry{fingerprint: fp, alert: complete(*a), windowEnd: now.Add(n.cfg.Window), first: now}
		e.alert.Fingerprint = fp
		s.edit(func(m map[uint64]*entry) { m[key] = e })
		n.tracked.Add(1)
	}
	return e
}

// overflowAlert stands for the occurrences of fingerprints beyond
// MaxFingerprints.
var overflowAlert = Alert{
	Summary:     "too many distinct alert fingerprints: occurrences of new ones are counted here",
	Fingerprint: "alert.overflow",
	Remedy:      "look for an alert whose fingerprint carries volatile text (IDs, times) in the log with alert=true, and give it a stable Fingerprint",
}

// occur counts one occurrence in e and decides whether it is delivered.
// An occurrence after the window has ended starts a new one and carries
// the previous window's suppressed count, if the sweep has not yet sent it
// as a digest.
// It returns false, counting nothing, if e has left the table.
func (e *entry) occur(now time.Time, window time.Duration) (verdict, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gone {
		return verdict{}, false
	}
	if !now.Before(e.windowEnd) {
		e.count, e.first, e.windowEnd = 0, now, now.Add(window)
	}
	e.count++
	e.last = now
	v := verdict{occurrence: e.count, first: e.first, last: now, fingerprint: e.fingerprint}
	if milestone(e.count) || e.suppressed > 0 && e.count == 1 {
		v.deliver, v.suppressed, e.suppressed = true, e.suppressed, 0
	} else {
		e.suppressed++
	}
	return v, true
}

// sweep sends one digest for each fingerprint whose window ended with
// occurrences suppressed since its last delivery, and forgets the
// fingerprints whose window ended, so that the table holds only live
// problems. Ongoing entries stay until resolved.
func (n *Notifier) sweep() {
	now := n.cfg.Clock.Now()
	var digests []Event
	for i := range n.shards {
		s := &n.shards[i]
		s.mu.Lock()
		s.edit(func(m map[uint64]*entry) {
			for key, e := range m {
				e.mu.Lock()
				if now.Before(e.windowEnd) || e.ongoing {
					e.mu.Unlock()
					continue
				}
				if e.suppressed > 0 {
					digests = append(digests, n.digest(e))
				}
				e.gone = true
				e.mu.Unlock()
				delete(m, key)
				n.tracked.Add(-1)
			}
		})
		s.mu.Unlock()
	}
	for _, ev := range digests {
		n.publishDigest(ev)
	}
}

// publishDigest counts ev in every sink's digests and publishes it. The
// alert's error is user code read on the way (to log it): if it panics,
// the panic is logged and the digest counted as dropped, and the sweep
// goes on.
func (n *Notifier) publishDigest(ev Event) {
	settled := false
	defer n.guardOccurrence(&settled)
	for _, g := range n.guards {
		g.digests.Inc()
	}
	n.publish(ev)
	settled = true
}

// digest is the event that says how many occurrences of e were not
// delivered; e.mu is held.
func (n *Notifier) digest(e *entry) Event {
	ev := Event{Alert: e.alert, Occurrence: e.count, Suppressed: e.suppressed, FirstSeen: e.first, LastSeen: e.last}
	ev.Process = n.process
	return ev
}
