package seriestable

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tag is a caller's tag type, as stats.Tag is.
type tag struct{ Key, Value string }

func TestHashReadsEveryByte(t *testing.T) {
	s := NewSeed()
	for n := 1; n <= 40; n++ {
		base := []byte(strings.Repeat("a", n))
		h := Hash[tag](s, 0, string(base), nil)
		for i := range n {
			b := append([]byte(nil), base...)
			b[i] = 'b'
			assert.NotEqual(t, h, Hash[tag](s, 0, string(b), nil), "length %d, byte %d changed", n, i)
		}
	}
}

func TestHashTellsKindsTagsAndTheirOrderApart(t *testing.T) {
	s := NewSeed()
	seen := map[uint64]string{}
	for what, h := range map[string]uint64{
		"kind 0":                  Hash[tag](s, 0, "x", nil),
		"kind 1":                  Hash[tag](s, 1, "x", nil),
		"x a=b":                   Hash(s, 0, "x", []tag{{"a", "b"}}),
		"x a=b c=d":               Hash(s, 0, "x", []tag{{"a", "b"}, {"c", "d"}}),
		"x c=d a=b":               Hash(s, 0, "x", []tag{{"c", "d"}, {"a", "b"}}),
		"x ab=":                   Hash(s, 0, "x", []tag{{"ab", ""}}),
		"x a=b, spelled as a tag": Hash(s, 0, "xa", []tag{{"", "b"}}),
		"empty":                   Hash[tag](s, 0, "", nil),
		"empty tag":               Hash(s, 0, "", []tag{{}}),
	} {
		require.NotContains(t, seen, h, "%s hashes as %s", what, seen[h])
		seen[h] = what
	}
	assert.NotEqual(t, Hash[tag](s, 0, "x", nil), Hash[tag](NewSeed(), 0, "x", nil), "another seed, another hash")
}

func TestAddrIsWhereTheStringsLive(t *testing.T) {
	const name = "http.server.requests"
	tags := []tag{{"route", "/users"}}
	assert.Equal(t, Addr(0, name, tags), Addr(0, name, []tag{{"route", "/users"}}), "the same constants")
	assert.NotEqual(t, Addr(0, name, tags), Addr(1, name, tags), "another kind")
	assert.NotEqual(t, Addr(0, name, tags), Addr(0, Clone(name), tags), "the same text elsewhere")
	assert.NotEqual(t, Addr(0, name, tags), Addr(0, name[:4], tags), "a shorter string at the same place")
}

func TestCloneSharesNoMemory(t *testing.T) {
	s := fmt.Sprint("name", 1)
	c := Clone(s)
	assert.Equal(t, s, c)
	assert.NotSame(t, unsafe.StringData(s), unsafe.StringData(c))
	tags := []tag{{"k", s}}
	ct := CloneTags(tags)
	assert.Equal(t, tags, ct)
	assert.NotSame(t, unsafe.StringData(tags[0].Value), unsafe.StringData(ct[0].Value))
	assert.Nil(t, CloneTags([]tag{}))
}

// Names that differ only in the top bit of two of their words (bytes 7 and
// 15 with 0x80 flipped, as a tag value from a request may) hash apart:
// without mixing the top bits back down such changes cancelled out under
// every seed, and thousands of such values made one long probe run.
func TestHashTellsTopBitChangesApart(t *testing.T) {
	for range 8 {
		s := NewSeed()
		for n := 16; n <= 40; n++ {
			base := []byte(strings.Repeat("a", n))
			for i := 7; i < n; i += 8 {
				for j := i + 8; j < n; j += 8 {
					b := append([]byte(nil), base...)
					b[i] ^= 0x80
					b[j] ^= 0x80
					require.NotEqual(t, Hash[tag](s, 0, string(base), nil), Hash[tag](s, 0, string(b), nil),
						"length %d, top bits of bytes %d and %d", n, i, j)
				}
			}
		}
	}
}
