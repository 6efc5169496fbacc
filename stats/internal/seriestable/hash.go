package seriestable

import (
	"math/rand/v2"
	"unsafe"
)

// Tag is a tag's key and value. The functions of this package take the
// callers' own tag types (stats.Tag), whose underlying type is Tag's.
type Tag struct{ Key, Value string }

// KV is the constraint of the callers' tag types.
type KV interface{ ~struct{ Key, Value string } }

// m is an odd 64-bit constant, 2⁶⁴ divided by the golden ratio: a multiply
// by it moves every bit of a word into the top bits, which index tables.
const m = 0x9e3779b97f4a7c15

// Seed makes the hashes of one table unlike those of any other, so that
// names that happen to collide in one process do not in the next.
type Seed uint64

// NewSeed returns a random Seed.
func NewSeed() Seed { return Seed(rand.Uint64() | 1) }

// Hash returns a hash under seed s of kind (0 where there is one kind),
// name and tags, in that order, reading every byte of their text; its top
// bits index tables. It does not allocate; names come from programs, not
// from attackers, and a collision costs a probe, never a wrong series.
func Hash[T KV](s Seed, kind uint8, name string, tags []T) uint64 {
	h := String(uint64(s)^uint64(kind)<<56^uint64(len(tags)), name)
	for _, t := range tags {
		kv := Tag(t)
		h = String(String(h, kv.Key), kv.Value)
	}
	return h
}

// String mixes the whole text of str, and its length, into h, eight bytes
// at a time; the last eight overlap the ones before rather than being
// assembled byte by byte. Each step (see step) loses nothing of h and
// spreads every bit of the word over the others.
func String(h uint64, str string) uint64 {
	n := len(str)
	h = step(h, uint64(n))
	p := unsafe.Pointer(unsafe.StringData(str))
	if n < 8 {
		var w uint64
		for i := range n {
			w = w<<8 | uint64(*(*byte)(unsafe.Add(p, i)))
		}
		return step(h, w)
	}
	for i := 0; i < n-8; i += 8 {
		h = step(h, load64(unsafe.Add(p, i)))
	}
	return step(h, load64(unsafe.Add(p, n-8)))
}

// step mixes the word w into h: (h ^ w) * m, with m odd, carries every bit
// of the word into the bits above it, and the shift brings the top bits
// back down, without which a change in a word's top bit would reach only
// the top bit of h, and two such changes would cancel out whatever the
// seed. Both are invertible, so nothing of h is lost.
func step(h, w uint64) uint64 {
	h = (h ^ w) * m
	return h ^ h>>32
}

// load64 reads eight bytes at p in the machine's order: any fixed order
// serves a hash.
func load64(p unsafe.Pointer) uint64 { return *(*uint64)(p) }

// Addr returns a hash of kind, of where name and the tags' strings live,
// and of their lengths: two calls with the same constant strings get the
// same value without reading the text.
func Addr[T KV](kind uint8, name string, tags []T) uint64 {
	h := (uint64(uintptr(unsafe.Pointer(unsafe.StringData(name)))) ^ uint64(len(name))<<48 ^ uint64(len(tags))<<8 ^ uint64(kind)) * m
	for _, t := range tags {
		kv := Tag(t)
		h = (h ^ uint64(uintptr(unsafe.Pointer(unsafe.StringData(kv.Key))))) * m
		h = (h ^ uint64(uintptr(unsafe.Pointer(unsafe.StringData(kv.Value))))) * m
	}
	return h
}

// Clone returns a copy of s that shares no memory with it, so that a
// caller's name never escapes to the heap with the entry that keeps it.
// Unlike strings.Clone it never returns s itself.
func Clone(s string) string {
	b := make([]byte, len(s))
	copy(b, s)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// CloneTags returns a copy of tags and their strings, nil for none.
func CloneTags[T KV](tags []T) []T {
	if len(tags) == 0 {
		return nil
	}
	out := make([]T, len(tags))
	for i, t := range tags {
		kv := Tag(t)
		out[i] = T(Tag{Key: Clone(kv.Key), Value: Clone(kv.Value)})
	}
	return out
}
