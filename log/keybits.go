package log

import "log/slog"

// The cheap first pass of the no-repeat rule: each key stands for one bit
// of a 64-bit mask, so that most records are cleared without comparing a
// string.

// mayRepeat reports whether a, added at a level whose keys have the
// keyBits in *seen, may repeat a key there or inside it, and adds its keys
// to *seen. It never misses a repeat, allocates nothing, and is wrong
// only in saying maybe: two keys may share a bit. A LogValuer may resolve
// to anything, so it always may.
func mayRepeat(seen *uint64, a slog.Attr) bool {
	return mayRepeatDepth(seen, a, maxCheckDepth)
}

// maxCheckDepth is how many levels of groups mayRepeat looks into before
// it says maybe. The exact pass calls it again at every level, so a bound
// keeps groups nested thousands deep linear, not quadratic.
const maxCheckDepth = 8

func mayRepeatDepth(seen *uint64, a slog.Attr, depth int) bool {
	switch a.Value.Kind() {
	case slog.KindLogValuer:
		return true
	case slog.KindGroup:
		var in uint64
		level := &in
		if a.Key == "" {
			level = seen
		} else if depth--; depth < 0 {
			return true
		}
		for _, m := range a.Value.Group() {
			if mayRepeatDepth(level, m, depth) {
				return true
			}
		}
		if a.Key == "" {
			return false
		}
	}
	b := keyBit(a.Key)
	if *seen&b != 0 {
		return true
	}
	*seen |= b
	return false
}

// keyBit returns key's bit in a 64-bit mask of keys, from its length and
// first byte. Every key with a byte past ASCII has bit 63: invalid UTF-8 is
// written as U+FFFD, so such keys may be written alike though they differ
// in length and bytes.
func keyBit(key string) uint64 {
	if key == "" {
		return 1
	}
	if !isASCII(key) {
		return 1 << 63
	}
	return 1 << ((uint(len(key)) + uint(key[0])) & 63)
}

// isASCII reports whether s has no byte past 0x7f. A short key, as most
// are, takes two overlapping loads and one test, with no loop: it runs
// for every attribute of every record.
func isASCII(s string) bool {
	n := len(s)
	var w uint64
	switch {
	case n >= 8:
		for i := 0; i+8 <= n; i += 8 {
			w |= le64s(s[i:])
		}
		w |= le64s(s[n-8:])
	case n >= 4:
		w = uint64(le32s(s) | le32s(s[n-4:]))
	case n > 0:
		w = uint64(s[0] | s[n/2] | s[n-1])
	}
	return w&0x8080808080808080 == 0
}

// le32s is binary.LittleEndian.Uint32 for the first four bytes of a string.
func le32s(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// keyBits returns the keyBits of attrs' keys.
func keyBits(attrs []slog.Attr) uint64 {
	var m uint64
	for _, a := range attrs {
		m |= keyBit(a.Key)
	}
	return m
}
