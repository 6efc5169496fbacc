package reqid_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/reqid"
)

func TestValid(t *testing.T) {
	for _, id := range []string{
		"a", "0", "abc-DEF_123.xyz:9", strings.Repeat("z", reqid.MaxLen),
		"0af7651916cd43dd8448eb211c80319c", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
	} {
		assert.True(t, reqid.Valid(id), "%q", id)
	}
	for _, id := range []string{
		"", strings.Repeat("z", reqid.MaxLen+1), "a b", "a\tb", "a\nb", "a\rb",
		`a"b`, "a'b", `a\b`, "a/b", "a=b", "a,b", "a;b", "a{b", "<script>",
		"a\x00", "\x7f", "é", "\xff", "a%0d%0a",
	} {
		assert.False(t, reqid.Valid(id), "%q", id)
	}
}

func TestDescribe(t *testing.T) {
	assert.Equal(t, `len=0 prefix=""`, reqid.Describe(""))
	assert.Equal(t, `len=5 prefix="a\nb\"c"`, reqid.Describe("a\nb\"c"))
	assert.Equal(t, `len=20 prefix="0123456789abcdef"...`, reqid.Describe("0123456789abcdefghij"))
	assert.Equal(t, `len=3 prefix="\xff\u00e9"`, reqid.Describe("\xffé"))
	long := reqid.Describe(strings.Repeat("\x00", 1<<20))
	assert.True(t, strings.HasPrefix(long, `len=1048576 prefix="\x00`), long)
}

// FuzzValid proves that no accepted ID can break a log line, a header or a
// URL: everything Valid accepts is short, printable ASCII that JSON, HTTP
// headers and URL paths carry unchanged.
func FuzzValid(f *testing.F) {
	f.Fuzz(func(t *testing.T, id string) {
		if !reqid.Valid(id) {
			return
		}
		require.NotEmpty(t, id)
		require.LessOrEqual(t, len(id), reqid.MaxLen)
		for i := 0; i < len(id); i++ {
			c := id[i]
			require.True(t, c > ' ' && c < 0x7f, "byte %#x at %d", c, i)
		}
		require.False(t, strings.ContainsAny(id, "\"'\\ ,;=/?#%&<>{}[]()"), "quoting or separator character in %q", id)

		js, err := json.Marshal(id)
		require.NoError(t, err)
		require.Equal(t, `"`+id+`"`, string(js), "JSON must carry the ID unescaped")

		h := http.Header{}
		h.Set("X-Request-Id", id)
		require.Equal(t, id, h.Get("X-Request-Id"))
		require.Equal(t, id, url.PathEscape(id), "a URL path must carry the ID unescaped")
	})
}

// FuzzDescribe proves that a description of any rejected value is bounded,
// printable ASCII, and so safe to log.
func FuzzDescribe(f *testing.F) {
	f.Fuzz(func(t *testing.T, rejected string) {
		d := reqid.Describe(rejected)
		require.LessOrEqual(t, len(d), 100)
		require.True(t, utf8.ValidString(d))
		for i := 0; i < len(d); i++ {
			require.True(t, d[i] >= ' ' && d[i] < 0x7f, "byte %#x in %q", d[i], d)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	id := reqid.New()
	b.ReportAllocs()
	for b.Loop() {
		_ = reqid.Valid(id)
	}
}
