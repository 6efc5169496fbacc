package reqid

import (
	"crypto/rand"
	"encoding/binary"
	mrand "math/rand/v2"
	"sync"
)

// reseedEvery is how many IDs a generator makes before it is rekeyed from
// crypto/rand.
const reseedEvery = 1 << 12

// generator is a ChaCha8 stream keyed from crypto/rand. ChaCha8 is a
// cryptographically strong generator with fast key erasure (see
// math/rand/v2.ChaCha8): its output cannot be predicted without the key, and
// a captured state does not reveal earlier output. Keying it from the
// operating system and rekeying every few thousand IDs gives crypto/rand
// quality at a fraction of the cost of one crypto/rand call per ID.
type generator struct {
	rng  *mrand.ChaCha8
	left int // IDs until the next rekey
}

func (g *generator) rekey() {
	var seed [32]byte
	// crypto/rand.Read never returns an error and always fills seed.
	_, _ = rand.Read(seed[:])
	if g.rng == nil {
		g.rng = mrand.NewChaCha8(seed)
	} else {
		g.rng.Seed(seed)
	}
	g.left = reseedEvery
}

// generators holds one generator per P in practice (sync.Pool keeps per-P
// caches), so concurrent callers do not contend. A generator dropped by the
// garbage collector takes only its unread stream with it.
var generators = sync.Pool{New: func() any { return new(generator) }}

// hexPairs[b] is the two lower-case hex digits of b.
var hexPairs = func() (t [256][2]byte) {
	const digits = "0123456789abcdef"
	for b := range t {
		t[b] = [2]byte{digits[b>>4], digits[b&0x0f]}
	}
	return t
}()

// New returns a new request ID: 128 random bits as 32 lower-case hex digits,
// the shape of a W3C trace ID. The bits come from a ChaCha8 generator keyed
// from crypto/rand (see [generator]); they say nothing about the host, the
// process or the time. New is safe for concurrent use and costs one
// allocation (the string).
func New() string {
	g := generators.Get().(*generator)
	if g.left == 0 {
		g.rekey()
	}
	g.left--
	var raw [16]byte
	binary.LittleEndian.PutUint64(raw[:8], g.rng.Uint64())
	binary.LittleEndian.PutUint64(raw[8:], g.rng.Uint64())
	generators.Put(g)

	var out [32]byte
	for i, b := range raw {
		out[2*i], out[2*i+1] = hexPairs[b][0], hexPairs[b][1]
	}
	return string(out[:])
}
