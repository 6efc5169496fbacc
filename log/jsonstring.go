package log

import "unicode/utf8"

// appendJSONString appends s to b as a quoted JSON string, escaped exactly
// as slog's JSON handler does (its copy of encoding/json's rules, without
// HTML escaping): `"` and `\`, and control characters as \n, \r, \t or \u00XX;
// each byte of invalid UTF-8 as \ufffd; U+2028 and U+2029 as \u2028 and
// \u2029. `<`, `>` and `&` are written as they are.
//
// Strings that need no escaping, nearly all in a log line, are recognised
// a word at a time and copied with one append; in the others, runs of
// characters that need none are copied with one append each.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	if plain(s) {
		b = append(b, s...)
	} else {
		b = appendEscaped(b, s)
	}
	return append(b, '"')
}

// plain reports whether s is all safe ASCII, reading it in words: the
// last word overlaps the one before rather than loop over the tail.
func plain(s string) bool {
	n := len(s)
	switch {
	case n >= 8:
		for i := 0; i < n-8; i += 8 {
			if !plain8(s[i:]) {
				return false
			}
		}
		return plain8(s[n-8:])
	case n >= 4:
		return plain4(s) && plain4(s[n-4:])
	}
	for i := range n {
		if !safeASCII[s[i]] {
			return false
		}
	}
	return true
}

// appendEscaped appends s escaped, without the quotes.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && plain8(s[i:]) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if safeASCII[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			b = appendEscapedByte(b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but they end a line in JavaScript; encoding/json
			// and slog escape them.
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(b, s[start:]...)
}

// appendEscapedByte appends the escape of an ASCII byte that safeASCII
// refuses. Backspace and form feed are \u0008 and \u000c, as in slog,
// whose copy of the rules predates encoding/json's \b and \f (Go 1.22).
func appendEscapedByte(b []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

const hexDigits = "0123456789abcdef"

// safeASCII holds true for the ASCII bytes written as they are: all but
// the control characters, `"` and `\`. DEL (0x7f) is written as it is, as
// encoding/json does. Bytes from 0x80 on, UTF-8 sequences, are false: they
// are checked apart.
var safeASCII = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Bytes repeated in each byte of a word, and each byte's high bit.
const (
	ones8  = 0x0101010101010101
	highs8 = 0x8080808080808080
	ones4  = 0x01010101
	highs4 = 0x80808080
)

// plain8 reports whether the first eight bytes of s are all safe ASCII: no
// control character, no `"`, no `\` and nothing at or above 0x80.
func plain8(s string) bool {
	x := le64s(s)
	// A byte's high bit is set in below, in zero(x^'"'), in zero(x^'\\')
	// when some byte (that one or one before it) is below 0x20, is `"`, is
	// `\`; and in x when it is 0x80 or above.
	below := x - 0x20*ones8
	zero := func(v uint64) uint64 { return (v - ones8) &^ v }
	return (below|zero(x^'"'*ones8)|zero(x^'\\'*ones8)|x)&highs8 == 0
}

// plain4 is plain8 for the first four bytes of s.
func plain4(s string) bool {
	_ = s[3]
	x := uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
	below := x - 0x20*ones4
	zero := func(v uint32) uint32 { return (v - ones4) &^ v }
	return (below|zero(x^'"'*ones4)|zero(x^'\\'*ones4)|x)&highs4 == 0
}
