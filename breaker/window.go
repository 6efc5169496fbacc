package breaker

import (
	"sync/atomic"

	"github.com/vitals-go/vitals/internal/stripe"
)

// A window keeps the outcome of recent calls for the rate policies, without a
// lock.
//
// A count-based window is a ring of the last N outcomes; recording swaps the
// new outcome into its slot and adds the difference to the totals, packed
// into one word (calls, failures and slow calls, 21 bits each, enough for
// MaxWindowSize), so that a call is recorded with one or two atomic
// operations. A time-based window is a ring of buckets, each stamped with the
// bucket number it holds and counting with full-width counters; a bucket
// whose stamp is stale is cleared by the first call that lands in it. Calls
// recorded at the very instant a bucket is recycled may be lost; the rates
// are estimates over many calls, so that is harmless. Every call adds to its
// bucket's call count, so that count is a striped counter: it spreads over
// cache lines the first time calls from different cores meet, and parallel
// successes do not contend.
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
	epoch          atomic.Int64
	calls          stripe.Counter // every call adds here, from every core
	failures, slow atomic.Int64
}

// Outcome bits stored in a count-window slot.
const (
	slotUsed = 1 << iota
	slotFailed
	slotSlow
)

const (
	fieldBits = 21
	fieldMask = 1<<fieldBits - 1
)

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
		w.buckets[i].epoch.Store(-1)
	}
	return w
}

// add records one call at now (nanoseconds on the breaker's clock) and
// returns the window's totals when they are cheap to know, else 0 (the caller
// then asks sum when it needs them, which is only after a failure or a slow
// call).
func (w *window) add(now int64, v uint32) uint64 {
	if w.slots != nil {
		if v == slotUsed && w.totals.Load() == uint64(len(w.slots)) {
			// A full window of successes stays one after another success,
			// wherever the ring stands: skip the shared increment, so the
			// healthy steady state writes nothing here.
			return 0
		}
		s := &w.slots[(w.seq.Add(1)-1)%uint64(len(w.slots))]
		if s.Load() == v {
			return 0 // the usual case, a success replacing a success: nothing changes
		}
		old := s.Swap(v)
		return w.totals.Add(packed(v) - packed(old))
	}
	n := now / w.width
	b := &w.buckets[n%int64(len(w.buckets))]
	if e := b.epoch.Load(); e != n && b.epoch.CompareAndSwap(e, n) {
		b.calls.Reset()
		b.failures.Store(0)
		b.slow.Store(0)
	}
	b.calls.AddSpreading(1)
	if v&slotFailed != 0 {
		b.failures.Add(1)
	}
	if v&slotSlow != 0 {
		b.slow.Add(1)
	}
	return 0
}

// sum returns the window's totals at now.
func (w *window) sum(now int64) (calls, failures, slow int64) {
	if w.slots != nil {
		return unpack(w.totals.Load())
	}
	n := now / w.width
	for i := range w.buckets {
		b := &w.buckets[i]
		if e := b.epoch.Load(); e <= n && e > n-int64(len(w.buckets)) {
			calls += b.calls.Load()
			failures += b.failures.Load()
			slow += b.slow.Load()
		}
	}
	return calls, failures, slow
}
