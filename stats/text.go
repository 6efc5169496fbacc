package stats

import (
	"strings"
	"unicode/utf8"
)

// How tag keys, tag values and set members are written. The statsd daemon
// deletes from a name (tags included) every byte outside [A-Za-z0-9_.;=-]
// before carbon sees it, and carbon refuses an empty tag value, so in the
// Graphite format vitals writes only bytes that arrive intact and encodes
// the rest, so that values that differ stay different in Graphite. Set
// members travel after the ':' and are not rewritten by the daemon: they
// keep valid UTF-8 and lose only what would break the line.

// graphiteBytes maps a byte of a Graphite tag key or value to the byte
// written for it, or to 0 when it is written as '_' and its two upper-case
// hex digits. Kept: ASCII letters, digits, '_', '-' and '.'. A space or ':'
// becomes '_' (as the daemon turns spaces into '_': "GET /x", host:port) and
// '/' becomes '.', so routes and gRPC methods read as paths and do not merge
// with names that hold a '-'.
var graphiteBytes = func() (m [256]byte) {
	for i := range m {
		c := byte(i)
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-', c == '.':
			m[i] = c
		case c == ' ', c == ':':
			m[i] = '_'
		case c == '/':
			m[i] = '.'
		}
	}
	return m
}()

const hexDigits = "0123456789ABCDEF"

// appendGraphiteText appends a Graphite tag key or value: s through
// graphiteBytes, "_" when s is empty. Copied whole when no byte changes,
// the common case.
func appendGraphiteText(b []byte, s string) []byte {
	if s == "" {
		return append(b, '_')
	}
	for i := 0; i < len(s); i++ {
		if !graphiteKeeps(s[i]) {
			b = append(b, s[:i]...)
			for ; i < len(s); i++ {
				if c := graphiteBytes[s[i]]; c != 0 {
					b = append(b, c)
				} else {
					b = append(b, '_', hexDigits[s[i]>>4], hexDigits[s[i]&15])
				}
			}
			return b
		}
	}
	return append(b, s...)
}

// isGraphiteText reports whether appendGraphiteText writes s unchanged.
func isGraphiteText(s string) bool {
	for i := 0; i < len(s); i++ {
		if !graphiteKeeps(s[i]) {
			return false
		}
	}
	return s != ""
}

// graphiteKeeps reports whether c is written as itself in a Graphite tag
// (0 marks the bytes written in hex, so it is not one of them).
func graphiteKeeps(c byte) bool { return graphiteBytes[c] == c && c != 0 }

// appendUTF8Text appends s keeping valid UTF-8 other than C1 control
// characters; an invalid byte becomes U+FFFD, and a C1 control character
// or an ASCII byte that ascii maps elsewhere becomes ascii's byte.
func appendUTF8Text(b []byte, s string, ascii *[utf8.RuneSelf]byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, ascii[c])
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = utf8.AppendRune(b, utf8.RuneError)
		case r < 0xa0: // C1 control characters
			b = append(b, '_')
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// memberBytes and dogBytes map the ASCII bytes of a set member and of a
// DogStatsD tag key or value: a control character and the delimiters of
// their place on the line become '_'. A member ends at ':' or '|'; a
// DogStatsD tag also at ',' and, as a key, at ':' (a value may hold one,
// but statsd servers differ), and '#' and '@' start fields.
var memberBytes, dogBytes = asciiMap(":|"), asciiMap(":|,#@; ")

func asciiMap(delims string) (m [utf8.RuneSelf]byte) {
	for i := range m {
		c := byte(i)
		m[i] = c
		if c < ' ' || c == 0x7f || strings.IndexByte(delims, c) >= 0 {
			m[i] = '_'
		}
	}
	return m
}

// appendMember appends a set member as it is sent: valid UTF-8 is kept,
// '_' replaces an empty member.
func appendMember(b []byte, m string) []byte {
	if m == "" {
		return append(b, '_')
	}
	return appendUTF8Text(b, m, &memberBytes)
}

// appendDogText appends a DogStatsD tag key or value, "_" when it is empty.
func appendDogText(b []byte, s string) []byte {
	if s == "" {
		return append(b, '_')
	}
	return appendUTF8Text(b, s, &dogBytes)
}

// NormalizeMember returns a set member as [Statsd.Set] sends it, which is
// how statsd counts it: valid UTF-8 is kept ("José" and "Josè" stay two
// members); ':', '|', control characters (C0, DEL and C1) become '_'; each
// byte of invalid UTF-8 becomes U+FFFD; an empty member becomes "_".
func NormalizeMember(member string) string {
	for i := 0; i < len(member); i++ {
		if c := member[i]; c >= utf8.RuneSelf || memberBytes[c] != c {
			return string(appendMember(make([]byte, 0, len(member)+2), member))
		}
	}
	if member == "" {
		return "_"
	}
	return member
}
