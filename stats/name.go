package stats

import (
	"strings"
	"unicode/utf8"
)

// unnamed replaces a name that has no valid segment at all.
const unnamed = "unnamed"

// Sanitize returns name as a Graphite-safe metric name: lower-case segments
// of [a-z0-9_-] separated by single dots. Upper-case ASCII letters are
// lowered, every other character (one '_' per rune, or per byte of invalid
// UTF-8) becomes '_', and empty segments are removed, so leading, trailing
// and repeated dots disappear. A name with no segment left becomes
// "unnamed". None of the statsd or Graphite delimiters (: | @ ; # , space)
// survives, so no output breaks a statsd line. Sanitize is idempotent.
func Sanitize(name string) string {
	if isSanitized(name) {
		return name
	}
	return string(appendSanitized(make([]byte, 0, len(name)), name))
}

// Name returns the Graphite-safe name made of parts, each becoming exactly
// one segment: a dot inside a part becomes '_' rather than splitting it, so
// Name("db", "10.0.0.7:5432") is "db.10_0_0_7_5432". Empty parts are skipped.
func Name(parts ...string) string {
	var b []byte
	for _, p := range parts {
		if p == "" {
			continue
		}
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = appendSegment(b, p)
	}
	if len(b) == 0 {
		return unnamed
	}
	return string(b)
}

// nameByte reports how a byte of a name is written: itself, lowered, or
// replaced by '_'. '.' is handled by the callers.
func nameByte(c byte) byte {
	switch {
	case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == '-':
		return c
	case 'A' <= c && c <= 'Z':
		return c + ('a' - 'A')
	}
	return '_'
}

// isSanitized reports whether Sanitize would return name unchanged.
func isSanitized(name string) bool {
	if name == "" || name[0] == '.' || name[len(name)-1] == '.' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '.' {
			if name[i-1] == '.' {
				return false
			}
			continue
		}
		if nameByte(c) != c {
			return false
		}
	}
	return true
}

// appendSanitized appends Sanitize(name) to b.
func appendSanitized(b []byte, name string) []byte {
	start := len(b)
	for name != "" {
		seg, rest, _ := strings.Cut(name, ".")
		if seg != "" {
			if len(b) > start {
				b = append(b, '.')
			}
			b = appendSegment(b, seg)
		}
		name = rest
	}
	if len(b) == start {
		b = append(b, unnamed...)
	}
	return b
}

// appendSegment appends s as one name segment: every rune that is not in
// [a-z0-9_-] after lowering ASCII becomes one '_'.
func appendSegment(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, nameByte(c))
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b = append(b, '_')
		i += size
	}
	return b
}
