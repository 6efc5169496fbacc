package stats_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/stats"
)

// daemonKeeps reports whether the statsd daemon passes byte c of a name
// (tags included) on to carbon: it deletes every byte outside
// [A-Za-z0-9_.;=-] (after turning whitespace into '_' and '/' into '-').
func daemonKeeps(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.;=-", c) >= 0
}

// graphiteTagCases are tag values that Graphite used to merge, lose or
// refuse, with what vitals writes for each (the table in docs/metrics.md).
var graphiteTagCases = []struct{ raw, wire string }{
	{"C++", "C_2B_2B"},
	{"C", "C"},
	{"%", "_25"},
	{"(x)!^*?", "_28x_29_21_5E_2A_3F"},
	{"{sku}", "_7Bsku_7D"},
	{"sku", "sku"},
	{"GET /items/{sku}", "GET_.items._7Bsku_7D"},
	{"GET /items/sku", "GET_.items.sku"},
	{"/a-b", ".a-b"},
	{"/a/b", ".a.b"},
	{"127.0.0.1:8080", "127.0.0.1_8080"},
	{"~x;y=z", "_7Ex_3By_3Dz"},
	{"José", "Jos_C3_A9"},
	{"Josè", "Jos_C3_A8"},
	{"", "_"},
}

// TestGraphiteTagsArriveIntactAndDistinct sends one counter per tag value
// in the Graphite format and checks each line: only bytes the statsd daemon
// keeps, the documented mapping, and one distinct series per distinct value.
func TestGraphiteTagsArriveIntactAndDistinct(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr()})
	for _, c := range graphiteTagCases {
		s.Count("x", 1, stats.T("lang", c.raw))
	}
	s.Count("y", 1, stats.T("k+{}/ =", "v"))
	require.NoError(t, s.Close())
	lines := l.waitLines(t, len(graphiteTagCases)+1)
	seen := map[string]bool{}
	for _, line := range lines {
		head, _, ok := strings.Cut(line, ":")
		require.True(t, ok, "line %q", line)
		for i := 0; i < len(head); i++ {
			assert.True(t, daemonKeeps(head[i]), "line %q: the statsd daemon deletes %q", line, head[i])
		}
		assert.False(t, seen[head], "two values sent as %q", head)
		seen[head] = true
	}
	for _, c := range graphiteTagCases {
		assert.Contains(t, lines, "x;lang="+c.wire+":1|c", "value %q", c.raw)
		assert.Equal(t, []stats.Tag{{Key: "lang", Value: c.wire}}, stats.NormalizeTags(stats.T("lang", c.raw)), "NormalizeTags, value %q", c.raw)
	}
	assert.Contains(t, lines, "y;k_2B_7B_7D.__3D=v:1|c", "a key is mapped as a value is")
}

// TestSetMembersKeepUTF8 checks that a set member loses only what would
// break a statsd line, so distinct members stay distinct.
func TestSetMembersKeepUTF8(t *testing.T) {
	cases := []struct{ raw, wire string }{
		{"José", "José"},
		{"Josè", "Josè"},
		{"日本", "日本"},
		{"中国", "中国"},
		{"a@b.com #1, ok;", "a@b.com #1, ok;"},
		{"a:b|c", "a_b_c"},
		{"new\nline\r\t\x00\x7f", "new_line____"},
		{"c1\u0085\u009f", "c1__"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"", "_"},
	}
	for _, format := range []stats.TagFormat{stats.TagsGraphite, stats.TagsDogStatsD, stats.TagsNone} {
		t.Run(format.String(), func(t *testing.T) {
			l := listen(t)
			s := newStatsd(t, stats.Config{Addr: l.addr(), TagFormat: format})
			for _, c := range cases {
				s.Set("users", c.raw)
			}
			require.NoError(t, s.Close())
			var want []string
			for _, c := range cases {
				want = append(want, "users:"+c.wire+"|s")
				assert.Equal(t, c.wire, stats.NormalizeMember(c.raw), "NormalizeMember(%q)", c.raw)
			}
			assert.Equal(t, want, l.waitLines(t, len(cases)))
		})
	}
}

// TestDogStatsDTagsKeepUTF8 checks that DogStatsD tags, which Datadog reads
// as UTF-8, keep non-ASCII characters and lose only the delimiters.
func TestDogStatsDTagsKeepUTF8(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr(), TagFormat: stats.TagsDogStatsD})
	s.Count("x", 1, stats.T("city", "Zürich"))
	s.Count("x", 1, stats.T("city", "Zurich"))
	s.Count("x", 1, stats.T("ключ", "a:b,c|d#e@f;g h\xff"))
	require.NoError(t, s.Close())
	assert.ElementsMatch(t, []string{
		"x:1|c|#city:Zürich",
		"x:1|c|#city:Zurich",
		"x:1|c|#ключ:a_b_c_d_e_f_g_h\uFFFD",
	}, l.waitLines(t, 3))
}

// TestNamesThatSanitiseAlikeAreOneSeries backs the documented rule for
// names: those that sanitise to the same path are summed as one series.
func TestNamesThatSanitiseAlikeAreOneSeries(t *testing.T) {
	l := listen(t)
	s := newStatsd(t, stats.Config{Addr: l.addr()})
	for _, name := range []string{"HTTP Requests", "http_requests", ".http_requests.", "http:requests"} {
		s.NewCounter(name).Inc()
	}
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"http_requests:4|c"}, l.waitLines(t, 1))
}
