package stats

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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
			s.names.prefix = []byte("p.")
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

func checkLine(t *testing.T, format TagFormat, line string) {
	t.Helper()
	head, rest, ok := strings.Cut(line, ":")
	if strings.ContainsAny(line, "\n\r") || strings.Contains(head, " ") {
		t.Fatalf("line %q has a line break, or a space before the value", line)
	}
	if !ok || strings.Contains(rest, ":") && format != TagsDogStatsD {
		t.Fatalf("line %q: want exactly one ':' before the value", line)
	}
	name, tags, _ := strings.Cut(head, ";")
	if strings.ContainsAny(name, "|@#,=") || name != Sanitize(name) {
		t.Fatalf("line %q: name %q is not sanitised", line, name)
	}
	fields := strings.Split(rest, "|")
	if len(fields) > 2 && strings.HasPrefix(fields[2], "@") {
		fields = slices.Delete(fields, 2, 3) // the sample rate
	}
	isSet := len(fields) > 1 && fields[1] == "s" // a member may hold @ # ; , and spaces
	if len(fields) < 2 || fields[0] == "" || !isSet && strings.ContainsAny(fields[0], "@#;, ") || !utf8.ValidString(fields[0]) {
		t.Fatalf("line %q: bad value %q", line, fields[0])
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
		if len(fields) != 2 {
			t.Fatalf("line %q: extra fields", line)
		}
	case TagsDogStatsD:
		if len(fields) != 3 || !strings.HasPrefix(fields[2], "#") {
			t.Fatalf("line %q: want value|type|#tags", line)
		}
		for tag := range strings.SplitSeq(fields[2][1:], ",") {
			if k, v, ok := strings.Cut(tag, ":"); !ok || k == "" || v == "" || strings.Contains(v, ":") {
				t.Fatalf("line %q: bad DogStatsD tag %q", line, tag)
			}
		}
	case TagsNone:
		if tags != "" || len(fields) != 2 {
			t.Fatalf("line %q: tags written", line)
		}
	}
}
