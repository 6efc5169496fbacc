package record

import (
	"strconv"
	"unicode/utf8"
)

// Safe returns s fit for a record field of at most n bytes (n >= 5): s
// itself when it is that short and holds only printable text, else s quoted
// as strconv.QuoteToASCII quotes it (control, C1, bidi and every other
// non-ASCII character escaped, invalid UTF-8 as \xNN), cut inside the
// quotes with "..." so that the result is at most n bytes. A quoted value
// is never mistaken for a clean one: a clean value never starts with a
// quote and holds a control, C1 or bidi character.
func Safe(s string, n int) string {
	if len(s) <= n && Printable(s) {
		return s
	}
	return Quote(s, n)
}

// Printable reports whether s is valid UTF-8 without control characters
// (C0, DEL, C1), bidi controls or line and paragraph separators: the
// characters that can hide, reorder or forge text in a terminal or a log
// viewer.
func Printable(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || UnsafeRune(r) {
			return false
		}
		i += size
	}
	return true
}

// UnsafeRune reports the non-ASCII runes Printable refuses: C1 controls,
// the bidi marks, embeddings, overrides and isolates, and U+2028/U+2029.
func UnsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f, r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x2028 && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Quote returns s quoted as strconv.QuoteToASCII quotes it, cut inside the
// quotes with "..." so that the result is at most n bytes (n >= 5).
func Quote(s string, n int) string {
	b := make([]byte, 1, min(n, 2+4*len(s)))
	b[0] = '"'
	cut := -1 // where "..." goes if s does not fit
	var scratch [16]byte
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		q := strconv.AppendQuoteToASCII(scratch[:0], s[i:i+size])
		piece := q[1 : len(q)-1]
		if cut < 0 && len(b)+len(piece) > n-4 { // room for `..."`
			cut = len(b)
		}
		if len(b)+len(piece) > n-1 { // room for `"`
			return string(append(b[:cut], `..."`...))
		}
		b = append(b, piece...)
		i += size
	}
	return string(append(b, '"'))
}
