package stats_test

import (
	"cmp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/stats"
)

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"http.server.requests":   "http.server.requests",
		"HTTP.Server.Requests":   "http.server.requests",
		"..a...b..":              "a.b",
		"a b:c|d@e;f#g,h/i\\j":   "a_b_c_d_e_f_g_h_i_j",
		"route./users/{id}":      "route._users__id_",
		"naïve.café":             "na_ve.caf_",
		"bad\xffutf8":            "bad_utf8",
		"":                       "unnamed",
		"...":                    "unnamed",
		"keep_under-score.0k":    "keep_under-score.0k",
		"tab\tnew\nline\x00zero": "tab_new_line_zero",
	} {
		assert.Equal(t, want, stats.Sanitize(in), "Sanitize(%q)", in)
	}
}

func TestName(t *testing.T) {
	assert.Equal(t, "db.10_0_0_7_5432.query", stats.Name("DB", "10.0.0.7:5432", "", "query"))
	assert.Equal(t, "unnamed", stats.Name())
	assert.Equal(t, "unnamed", stats.Name("", ""))
	assert.Equal(t, "a", stats.Name("a"))
}

func TestNormalizeTags(t *testing.T) {
	assert.Nil(t, stats.NormalizeTags())
	assert.Equal(t, []stats.Tag{{"_", "_"}, {"a", "2"}, {"b_3D", "_7Ex"}, {"c", "_7Ey_3B"}},
		stats.NormalizeTags(stats.T("c", "~y;"), stats.T("a", "1"), stats.T("b=", "~x"), stats.T("", ""), stats.T("a", "2")))
}

// FuzzSanitize checks that no output of Sanitize can break a statsd line or
// a Graphite path, and that sanitising is idempotent.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"http.server.requests", "A..B", "a:b|c@d;e#f", "naïve", "\xff\x00", ".", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := stats.Sanitize(in)
		if out == "" || strings.HasPrefix(out, ".") || strings.HasSuffix(out, ".") || strings.Contains(out, "..") {
			t.Fatalf("Sanitize(%q) = %q: empty name or segment", in, out)
		}
		for i := 0; i < len(out); i++ {
			c := out[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
				t.Fatalf("Sanitize(%q) = %q: byte %q", in, out, c)
			}
		}
		if again := stats.Sanitize(out); again != out {
			t.Fatalf("Sanitize not idempotent: %q -> %q -> %q", in, out, again)
		}
		if name := stats.Name(in); strings.Contains(name, ".") && !strings.Contains(in, ".") {
			t.Fatalf("Name(%q) = %q split a part", in, name)
		}
	})
}

// FuzzNormalizeTags checks that Graphite tags hold only bytes the statsd
// daemon passes to carbon, that normalising is idempotent, and that two
// values stay distinct unless they differ only in ' ', ':', '_' and the
// empty value, or in '/' and '.', the documented merges.
func FuzzNormalizeTags(f *testing.F) {
	f.Add("C++", "C")
	f.Add("{sku}", "sku")
	f.Add("José", "Josè")
	f.Add("%", "")
	f.Add("\xff", "\xfe")
	f.Fuzz(func(t *testing.T, a, b string) {
		wa := stats.NormalizeTags(stats.T(a, a))[0]
		wb := stats.NormalizeTags(stats.T(b, b))[0]
		for _, w := range []string{wa.Key, wa.Value} {
			if w == "" || strings.ContainsFunc(w, func(r rune) bool {
				return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '.' || r == '-')
			}) {
				t.Fatalf("%q is written %q: empty, or bytes the statsd daemon deletes", a, w)
			}
		}
		if again := stats.NormalizeTags(wa)[0]; again != wa {
			t.Fatalf("not idempotent: %q -> %v -> %v", a, wa, again)
		}
		merged := func(s string) string { // "" is written "_"
			return strings.NewReplacer(" ", "_", ":", "_", "/", ".").Replace(cmp.Or(s, "_"))
		}
		if wa.Value == wb.Value && merged(a) != merged(b) && !strings.Contains(a+b, "_") {
			t.Fatalf("%q and %q are both written %q", a, b, wa.Value)
		}
	})
}
