package stats

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vitals-go/vitals/stats/internal/seriestable"
)

// FuzzLine checks that whatever names, tags and set members callers pass,
// every line the emitter builds parses as exactly one statsd metric in each
// tag format: one name, one ':', a value and type without delimiters, and
// tags that follow Graphite's or DogStatsD's rules.
func FuzzLine(f *testing.F) {
	f.Add("http.requests", "route", "/users", "member")
	f.Add("a:b|c", "k;!^=", "~v;|@#:,", "x\ny")
	f.Add("", "", "", "")
	f.Add("naïve", "ключ", "значение", "\xff")
	f.Fuzz(func(t *testing.T, name, key, value, member string) {
		for _, format := range []TagFormat{TagsGraphite, TagsDogStatsD, TagsNone} {
			s := &Statsd{format: format, rateSuffix: []byte("|@0.5")}
			s.names.prefix, s.names.seed = []byte("p."), seriestable.NewSeed()
			tags := []Tag{T(key, value), T("z", value)}
			head, tail := s.wireOf(name, tags)
			for _, b := range [][]byte{
				s.appendStat(nil, head, tail, kindCount, uint64(7)),
				s.appendStat(nil, head, tail, kindTiming, uint64(1500*time.Microsecond)),
				s.appendStat(nil, head, tail, kindGauge, math.Float64bits(2.5)),
				s.appendStat(nil, head, tail, kindGaugeDelta, math.Float64bits(-1)),
				appendSet(nil, head, tail, member),
			} {
				checkLine(t, format, string(b))
			}
		}
	})
}

// checkLine fails t unless line is one metric that the statsd daemon
// reads as meant (see parseStatsd), with a sanitised name and tags that
// follow Graphite's or DogStatsD's rules.
func checkLine(t *testing.T, format TagFormat, line string) statsdMetric {
	t.Helper()
	m, err := parseStatsd(line, format == TagsDogStatsD)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.key, " ") {
		t.Fatalf("line %q has a space before the value", line)
	}
	name, tags, _ := strings.Cut(m.key, ";")
	if strings.ContainsAny(name, "|@#,=") || name != Sanitize(name) {
		t.Fatalf("line %q: name %q is not sanitised", line, name)
	}
	if m.typ == "s" && !utf8.ValidString(m.member) { // a member may hold @ # ; , and spaces
		t.Fatalf("line %q: member %q is not valid UTF-8", line, m.member)
	}
	switch format {
	case TagsGraphite:
		for tag := range strings.SplitSeq(tags, ";") {
			k, v, ok := strings.Cut(tag, "=")
			if !ok || k == "" || v == "" || strings.ContainsAny(k, "!^=") || strings.HasPrefix(v, "~") {
				t.Fatalf("line %q: bad Graphite tag %q", line, tag)
			}
			if strings.ContainsFunc(k+v, func(r rune) bool {
				return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '.' || r == '-')
			}) {
				t.Fatalf("line %q: Graphite tag %q has bytes the statsd daemon deletes", line, tag)
			}
		}
	case TagsDogStatsD:
		for tag := range strings.SplitSeq(m.tags, ",") {
			if k, v, ok := strings.Cut(tag, ":"); !ok || k == "" || v == "" || strings.Contains(v, ":") {
				t.Fatalf("line %q: bad DogStatsD tag %q", line, tag)
			}
		}
	}
	if (tags != "" || m.tags != "") != (format != TagsNone) {
		t.Fatalf("line %q: tags written or missing for %v", line, format)
	}
	return m
}
