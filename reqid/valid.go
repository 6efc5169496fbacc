package reqid

import (
	"strconv"
	"strings"
)

// MaxLen is the longest inbound request ID that [Valid] accepts, in bytes.
const MaxLen = 64

// allowed[b] is true for the bytes an inbound ID may contain.
var allowed = func() (t [256]bool) {
	for _, r := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:" {
		t[r] = true
	}
	return t
}()

// Valid reports whether id is acceptable as an inbound request ID: 1 to
// [MaxLen] bytes, each an ASCII letter, digit, '-', '_', '.' or ':'. Such an
// ID needs no quoting or escaping in a URL path, an HTTP header, a JSON
// string or a logfmt value. Anything else (spaces, quotes, control
// characters, non-ASCII) is rejected so that the caller replaces it with
// [New]; report the rejected value with [Describe], never raw.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !allowed[id[i]] {
			return false
		}
	}
	return true
}

// describePrefix is how many bytes of a rejected value [Describe] shows.
const describePrefix = 16

// Describe returns a description of a rejected request ID that is safe to
// log: its length and at most its first 16 bytes, quoted with every byte
// outside printable ASCII escaped, then "..." when bytes were left out. For
// a 70-byte value starting "abc", a NUL, "def", a newline and x's:
//
//	len=70 prefix="abc\x00def\nxxxxxxxx"...
//
// The result is printable ASCII and at most 100 bytes long, whatever the input.
func Describe(rejected string) string {
	prefix, more := rejected, ""
	if len(prefix) > describePrefix {
		prefix, more = prefix[:describePrefix], "..."
	}
	var b strings.Builder
	b.Grow(32 + 4*describePrefix)
	b.WriteString("len=")
	b.WriteString(strconv.Itoa(len(rejected)))
	b.WriteString(" prefix=")
	b.WriteString(strconv.QuoteToASCII(prefix))
	b.WriteString(more)
	return b.String()
}
