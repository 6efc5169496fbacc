package seriestable

import "sync/atomic"

// AddrBits sets how many entries a Table finds by address: 1024.
const AddrBits = 10

// Table holds up to half as many entries as it has slots, for good. Its
// zero value is not usable: call Init. E is the caller's entry type,
// which keeps its own kind, name and tags.
type Table[E any] struct {
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
// caller's entry, or an empty slot to [Table.Fill]; it always ends, as at
// most half the slots are taken. Callers compare entries themselves: an
// indirect call per slot would cost more than the comparison.
func (t *Table[E]) Start(h uint64) uint32 { return uint32(h >> t.shift) }

// Next returns the slot after slot i.
func (t *Table[E]) Next(i uint32) uint32 { return (i + 1) & uint32(len(t.slots)-1) }

// Reserve takes one of t's places for an entry the caller is about to
// Fill in, reporting false when t is full.
func (t *Table[E]) Reserve() bool { return Reserve(&t.used, t.max) }

// Release gives back a place that Reserve took, when Fill did not keep
// the caller's entry.
func (t *Table[E]) Release() { t.used.Add(-1) }

// Fill stores e in slot i, which the caller found empty, unless another
// goroutine filled it first, and returns what slot i then holds and
// whether it is e.
func (t *Table[E]) Fill(i uint32, e *E) (*E, bool) {
	if t.slots[i].CompareAndSwap(nil, e) {
		return e, true
	}
	return t.slots[i].Load(), false
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
