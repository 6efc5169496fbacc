package stats

import (
	"sync/atomic"
	"unsafe"

	"github.com/vitals-go/vitals/stats/internal/seriestable"
)

// nameCacheBits sets how many sanitised names a Statsd remembers: 1024, in
// two-way sets.
const nameCacheBits = 10

// nameCache remembers the wire form of recently used names so that the
// by-name hot path neither sanitises nor allocates. Two tables:
//
//   - byAddr, indexed by where the caller's string lives: names are mostly
//     constants, whose address never changes, so one multiply finds them;
//   - byHash, indexed by a hash of the whole text, in two-way sets (a new name
//     replaces the one used less recently), for the same name built anew
//     each time.
//
// An entry is used only if its text equals the name, so a stale or shared
// slot costs a lookup, never a wrong name.
type nameCache struct {
	seed   seriestable.Seed
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
	i := seriestable.Hash[seriestable.Tag](c.seed, 0, name, nil) >> (64 - nameCacheBits) &^ 1
	if e := c.byHash[i].Load(); e != nil && e.raw == name {
		return e
	}
	if e := c.byHash[i+1].Load(); e != nil && e.raw == name {
		c.byHash[i+1].Store(c.byHash[i].Swap(e)) // most recent first
		return e
	}
	e := &nameEntry{raw: seriestable.Clone(name), wire: appendSanitized(append([]byte(nil), c.prefix...), name)}
	c.byHash[i+1].Store(c.byHash[i].Swap(e))
	return e
}
