package breaker

import (
	"sync/atomic"

	"github.com/vitals-go/vitals/internal/stripe"
)

// A window keeps the outcome of recent calls for the rate policies, without a
// lock, and its totals are always those of real calls: never more failures
// or slow calls than calls, never more calls than a count-based window holds.
//
// A count-based window is a ring of the last N outcomes, with the totals
// packed into one word (calls, failures and slow calls, 21 bits each, enough
// for MaxWindowSize). Recording a change marks its slot busy with one CAS,
// adds the difference to the totals, then clears the mark; a call that finds
// its slot busy takes the next one rather than wait (the busy call's thread
// may be descheduled), so the changes of one slot reach the totals in the
// order they were made and the totals never borrow across fields. A success
// that replaces a success changes nothing and writes nothing but the ring's
// position.
//
// A time-based window is a ring of buckets, each stamped with the bucket
// number it holds. Each call adds one to exactly one counter of its bucket,
// by outcome (fast success, failure, slow success, slow failure), so that
// the totals derived from them can never be impossible. A bucket whose stamp
// is stale is marked as being cleared, cleared, then stamped, by the first
// call that lands in it; calls that find it being cleared are left out of
// the window (whatever their outcome, so the rates stay those of the calls
// counted) rather than wait, and sums skip it. Fast successes are the bulk of the calls, so their counter is
// striped: it spreads over cache lines the first time calls from different
// cores meet, and parallel successes do not contend.
type window struct {
	// count-based
	seq    atomic.Uint64
	totals atomic.Uint64
	slots  []atomic.Uint32

	// time-based
	width   int64 // nanoseconds per bucket
	buckets []bucket
}

type bucket struct {
	// state is the bucket number held times two, plus one while the bucket
	// is being cleared to hold a new number.
	state atomic.Int64
	fast  stripe.Counter  // successes that were not slow, from every core
	other [3]atomic.Int64 // failures, slow successes, slow failures
}

// Outcome bits stored in a count-window slot.
const (
	slotUsed = 1 << iota
	slotFailed
	slotSlow
	slotBusy // the slot's change is not in the totals yet
)

const (
	fieldBits = 21
	fieldMask = 1<<fieldBits - 1
)

// clearing is the low bit of bucket.state.
const clearing = 1

// packed turns slot bits into the totals they contribute.
func packed(v uint32) uint64 {
	return uint64(v&slotUsed) | uint64(v>>1&1)<<fieldBits | uint64(v>>2&1)<<(2*fieldBits)
}

func unpack(t uint64) (calls, failures, slow int64) {
	return int64(t & fieldMask), int64(t >> fieldBits & fieldMask), int64(t >> (2 * fieldBits) & fieldMask)
}

func newCountWindow(size int) *window {
	return &window{slots: make([]atomic.Uint32, size)}
}

func newTimeWindow(width int64, buckets int) *window {
	w := &window{width: width, buckets: make([]bucket, buckets)}
	for i := range w.buckets {
		w.buckets[i].state.Store(-1 << 1)
	}
	return w
}

// add records one call at now (nanoseconds on the breaker's clock) and
// returns the window's totals when they are cheap to know, else 0 (the caller
// then asks sum when it needs them, which is only after a failure or a slow
// call).
func (w *window) add(now int64, v uint32) uint64 {
	if w.slots != nil {
		return w.addCount(v)
	}
	n := now / w.width
	b := &w.buckets[uint64(n)%uint64(len(w.buckets))]
	if b.state.Load() != n<<1 && !b.hold(n) {
		return 0
	}
	if k := v >> 1; k != 0 {
		b.other[k-1].Add(1)
	} else {
		b.fast.AddSpreading(1)
	}
	return 0
}

func (w *window) addCount(v uint32) uint64 {
	if v == slotUsed && w.totals.Load() == uint64(len(w.slots)) {
		// A full window of successes stays one after another success,
		// wherever the ring stands: skip the shared increment, so the
		// healthy steady state writes nothing here.
		return 0
	}
	for range len(w.slots) {
		s := &w.slots[(w.seq.Add(1)-1)%uint64(len(w.slots))]
		for {
			old := s.Load()
			if old&slotBusy != 0 {
				break // the slot's last call is between its two atomic operations: take the next slot
			}
			if old == v {
				return 0 // the usual case, a success replacing a success: nothing changes
			}
			if s.CompareAndSwap(old, v|slotBusy) {
				t := w.totals.Add(packed(v) - packed(old))
				s.Store(v)
				return t
			}
		}
	}
	return 0 // every slot was busy: the window misses this call
}

// hold makes b hold bucket number n, clearing it if it held an older one,
// and reports whether the call may count in it: not while another call is
// clearing it. A bucket that holds a newer number (the caller read the clock
// just before it moved on) keeps it, and the call counts there: it was made
// just now.
func (b *bucket) hold(n int64) bool {
	for {
		s := b.state.Load()
		switch {
		case s&clearing != 0:
			return false
		case s>>1 >= n:
			return true
		case b.state.CompareAndSwap(s, n<<1|clearing):
			b.fast.Reset()
			for i := range b.other {
				b.other[i].Store(0)
			}
			b.state.Store(n << 1)
			return true
		}
	}
}

// sum returns the window's totals at now.
//
// The time-based totals are read without stopping the calls, so each
// bucket's counters are read twice: the failures and slow calls first, then
// every counter again for the calls. Counters only grow while a bucket
// holds one number, so the rates read are at most those the bucket had at
// the instant between the two reads, never more; a bucket recycled during
// the reads is skipped.
func (w *window) sum(now int64) (calls, failures, slow int64) {
	if w.slots != nil {
		return unpack(w.totals.Load())
	}
	n := now / w.width
	oldest := n - int64(len(w.buckets))
	for i := range w.buckets {
		b := &w.buckets[i]
		s := b.state.Load()
		if e := s >> 1; s&clearing != 0 || e > n || e <= oldest {
			continue
		}
		f, sok, sf := b.other[0].Load(), b.other[1].Load(), b.other[2].Load()
		c := b.other[0].Load() + b.other[1].Load() + b.other[2].Load() + b.fast.Load()
		if b.state.Load() != s {
			continue
		}
		calls += c
		failures += f + sf
		slow += sok + sf
	}
	return calls, failures, slow
}
