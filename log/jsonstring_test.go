package log

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlainEveryByteEverywhere puts each byte value at each position of
// strings up to 24 bytes long, among bytes that need no escaping, so that
// every word and tail shape of plain meets every byte.
func TestPlainEveryByteEverywhere(t *testing.T) {
	for n := 1; n <= 24; n++ {
		for pos := range n {
			for c := range 256 {
				s := []byte(strings.Repeat("~", n)) // '~' is the highest safe byte
				s[pos] = byte(c)
				want := c >= ' ' && c < 0x80 && c != '"' && c != '\\'
				if got := plain(string(s)); got != want {
					require.Equal(t, want, got, "byte %#x at %d of %d", c, pos, n)
				}
			}
		}
	}
	assert.True(t, plain(""))
}

// TestAppendJSONStringAsSlog compares with the message slog writes, on
// strings of every byte value alone and in the company of multi-byte and
// invalid UTF-8. (Not with encoding/json, which since Go 1.22 writes \b
// and \f where slog writes \u0008 and \u000c.)
func TestAppendJSONStringAsSlog(t *testing.T) {
	var inputs []string
	for c := range 256 {
		inputs = append(inputs, string([]byte{byte(c)}), "abcdefgh"+string([]byte{byte(c)})+"ijklmnop")
	}
	inputs = append(inputs, "", "\u2028\u2029", "日本語\xe6\x97", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 too big",
		"🎉\xc3(", strings.Repeat("<&>", 11), "\x7f\x00\x1f", "overlong \xc0\xaf", "é")
	for _, s := range inputs {
		var out strings.Builder
		require.NoError(t, slog.NewJSONHandler(&out, nil).Handle(context.Background(), slog.NewRecord(time.Time{}, 0, s, 0)))
		want := strings.TrimSuffix(strings.TrimPrefix(out.String(), `{"level":"INFO","msg":`), "}\n")
		assert.Equal(t, want, string(appendJSONString(nil, s)), "%q", s)
	}
}

func BenchmarkAppendJSONString(b *testing.B) {
	for _, s := range []string{"EUR", "order placed", "a plain string of some length, as messages are", "tab\there"} {
		b.Run(s, func(b *testing.B) {
			buf := make([]byte, 0, 128)
			for b.Loop() {
				buf = appendJSONString(buf[:0], s)
			}
		})
	}
}
