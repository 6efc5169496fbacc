package record

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestSafeKeepsPrintableText(t *testing.T) {
	for _, s := range []string{"", "GET", "/users/42", "/caf\u00e9/\u65e5\u672c", `a"b\c`, "Mozilla/5.0 (X11; Linux x86_64)"} {
		assert.Equal(t, s, Safe(s, 64), "%q", s)
	}
}

func TestSafeQuotesHostileText(t *testing.T) {
	cases := map[string]string{
		"bidi override":   "/a\u202eb",
		"bidi isolate":    "/a\u2066b",
		"arabic mark":     "/a\u061cb",
		"C1 CSI":          "/a\u009b31mb",
		"C0 escape":       "/a\x1b[31mb",
		"DEL":             "/a\x7fb",
		"newline":         "/a\nb",
		"line separator":  "/a\u2028b",
		"invalid UTF-8":   "/a\xffb",
		"truncated UTF-8": "/a\xe2\x80",
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			got := Safe(s, 64)
			assert.Equal(t, strconv.QuoteToASCII(s), got)
			assert.True(t, Printable(got) && isASCII(got), "%q", got)
		})
	}
}

func TestSafeBoundsEveryValue(t *testing.T) {
	inputs := []string{
		strings.Repeat("a", 10_000),
		strings.Repeat("\u202e", 10_000),
		strings.Repeat("\xff", 10_000),
		strings.Repeat("\U0001F600", 1000) + "\x00",
		"/ok" + strings.Repeat("\u00e9", 600) + "\u009b",
	}
	for _, s := range inputs {
		for _, n := range []int{5, 6, 7, 10, 64, 256, 1024} {
			got := Safe(s, n)
			assert.LessOrEqual(t, len(got), n, "n=%d", n)
			assert.True(t, utf8.ValidString(got))
			assert.True(t, Printable(got))
		}
	}
	assert.Equal(t, `"\u202e..."`, Safe(strings.Repeat("\u202e", 3), 12), "cut on a whole escape")
	assert.Equal(t, `"\u202e\u202e"`, Safe(strings.Repeat("\u202e", 2), 14), "exactly fits: no cut")
	long := Safe(strings.Repeat("a", 2000), 1024)
	assert.Len(t, long, 1024)
	assert.True(t, strings.HasPrefix(long, `"aaa`) && strings.HasSuffix(long, `a..."`), "a long clean value is quoted too, so the cut shows")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
