package seriestable

import (
	"sync"
	"sync/atomic"
)

// AddrBits sets how many entries a Table finds by address: 1024.
const AddrBits = 10

// Table holds up to half as many entries as it has slots, for good. Its
// zero value is not usable: call Init. E is the caller's entry type,
// which keeps its own kind, name and tags.
type Table[E any] struct {
	mu     sync.Mutex // held by Add
	seed   Seed
	used   atomic.Int32 // slots taken, at most max
	max    int32
	shift  uint8 // 64 - log2(len(slots))
	byAddr [1 << AddrBits]atomic.Pointer[E]
	slots  []atomic.Pointer[E]
}

// Init makes t hold up to max entries, in the next power of two at least
// twice as many slots, with a new Seed.
func (t *Table[E]) Init(max int) {
	bits := 1
	for 1<<bits < 2*max {
		bits++
	}
	t.seed, t.max, t.shift = NewSeed(), int32(max), uint8(64-bits)
	t.slots = make([]atomic.Pointer[E], 1<<bits)
}

// Seed returns the seed of t's text hashes.
func (t *Table[E]) Seed() Seed { return t.seed }

// ByAddr returns the place of the entry last found by address hash a (see
// [Addr]), for the caller to check that it is theirs, and to store it
// there when it is found by text.
func (t *Table[E]) ByAddr(a uint64) *atomic.Pointer[E] {
	return &t.byAddr[a>>(64-AddrBits)]
}

// At returns the entry in slot i, as Find reported it.
func (t *Table[E]) At(i uint32) *E { return t.slots[i].Load() }

// Len returns how many entries t holds.
func (t *Table[E]) Len() int { return int(t.used.Load()) }

// Start returns the slot where the search for the text hash h (see
// [Hash]) starts. The search goes on with [Table.Next] until it finds the
// caller's entry, or an empty slot to [Table.Add] it in; it always ends, as at
// most half the slots are taken. Callers compare entries themselves: an
// indirect call per slot would cost more than the comparison.
func (t *Table[E]) Start(h uint64) uint32 { return uint32(h >> t.shift) }

// Next returns the slot after slot i.
func (t *Table[E]) Next(i uint32) uint32 { return (i + 1) & uint32(len(t.slots)-1) }

// Add stores in slot i, which the caller found empty, the entry mk makes,
// unless another goroutine filled the slot first, and returns what slot i
// then holds; nil when t is full or mk returns nil (mk may take places of
// its own, such as an instrument's). Entries are added one at a time, under
// t's lock, so that goroutines racing to add one entry never see each
// other's place as the last one taken and turn it away; finding an entry
// takes no lock.
func (t *Table[E]) Add(i uint32, mk func() *E) *E {
	if t.used.Load() >= t.max { // full for good: no lock for a caller past the bound
		return t.slots[i].Load()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.slots[i].Load(); e != nil {
		return e
	}
	if t.used.Load() >= t.max {
		return nil
	}
	e := mk()
	if e == nil {
		return nil
	}
	t.slots[i].Store(e) // before the count: a caller that reads t full finds e
	t.used.Add(1)
	return e
}

// Reserve takes one of max places counted by n, reporting false when none
// is left.
func Reserve(n *atomic.Int32, max int32) bool {
	for {
		v := n.Load()
		if v >= max {
			return false
		}
		if n.CompareAndSwap(v, v+1) {
			return true
		}
	}
}
