package stats

import (
	"sync/atomic"
	"unsafe"
)

// nameCacheBits sets how many sanitised names a Statsd remembers: 1024, in
// two-way sets.
const nameCacheBits = 10

// nameCache remembers the wire form of recently used names so that the
// by-name hot path neither sanitises nor allocates. Two tables:
//
//   - byAddr, indexed by where the caller's string lives: names are mostly
//     constants, whose address never changes, so one multiply finds them;
//   - byHash, indexed by a hash of the text, in two-way sets (a new name
//     replaces the one used less recently), for the same name built anew
//     each time.
//
// An entry is used only if its text equals the name, so a stale or shared
// slot costs a lookup, never a wrong name.
type nameCache struct {
	seed   uint64
	prefix []byte
	byAddr [1 << nameCacheBits]atomic.Pointer[nameEntry]
	byHash [1 << nameCacheBits]atomic.Pointer[nameEntry]
}

// nameEntry is a remembered name: the caller's text and its wire form.
type nameEntry struct {
	raw  string
	wire []byte // prefix + Sanitize(raw)
}

// wire returns prefix + Sanitize(name).
func (c *nameCache) wire(name string) []byte {
	a := &c.byAddr[(uint64(uintptr(unsafe.Pointer(unsafe.StringData(name))))*0x9e3779b97f4a7c15)>>(64-nameCacheBits)]
	if e := a.Load(); e != nil && e.raw == name {
		return e.wire
	}
	e := c.lookup(name)
	a.Store(e)
	return e.wire
}

// lookup returns the entry for name from byHash, making it if need be.
func (c *nameCache) lookup(name string) *nameEntry {
	i := nameHash(name, c.seed) >> (64 - nameCacheBits) &^ 1
	if e := c.byHash[i].Load(); e != nil && e.raw == name {
		return e
	}
	if e := c.byHash[i+1].Load(); e != nil && e.raw == name {
		c.byHash[i+1].Store(c.byHash[i].Swap(e)) // most recent first
		return e
	}
	e := &nameEntry{raw: clone(name), wire: appendSanitized(append([]byte(nil), c.prefix...), name)}
	c.byHash[i+1].Store(c.byHash[i].Swap(e))
	return e
}

// clone returns a copy of s. Unlike strings.Clone it never returns s
// itself, so callers' names do not escape to the heap.
func clone(s string) string {
	b := make([]byte, len(s))
	copy(b, s)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// nameHash is a fast non-cryptographic hash of a name: names come from the
// program, not from attackers, and a collision only costs a cache miss. It
// mixes the length and the first, middle and last eight bytes.
func nameHash(name string, seed uint64) uint64 {
	const m = 0x9e3779b97f4a7c15
	h := (seed ^ uint64(len(name))) * m
	if n := len(name); n >= 8 {
		h = (h ^ load64(name)) * m
		h = (h ^ load64(name[n/2-4:])) * m
		h = (h ^ load64(name[n-8:])) * m
	} else {
		for i := 0; i < n; i++ {
			h = (h ^ uint64(name[i])) * m
		}
	}
	return h ^ h>>29
}

// load64 returns the first eight bytes of s, little-endian; the compiler
// makes it one load.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
