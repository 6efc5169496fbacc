package logtest

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Record is one decoded log line: a JSON object as encoding/json decodes
// it (numbers are float64, groups map[string]any).
type Record map[string]any

// Str returns the string under key, or "" when there is none.
func (r Record) Str(key string) string { s, _ := r[key].(string); return s }

// Num returns the number under key, or 0 when there is none.
func (r Record) Num(key string) float64 { n, _ := r[key].(float64); return n }

// Group returns the group (JSON object) under key, or nil when there is
// none.
func (r Record) Group(key string) map[string]any { g, _ := r[key].(map[string]any); return g }

// Decode decodes every line of text as a JSON object, failing the test on
// a line that is not one.
func Decode(t testing.TB, text string) []Record {
	t.Helper()
	var out []Record
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		out = append(out, DecodeLine(t, sc.Text()))
	}
	require.NoError(t, sc.Err())
	return out
}

// DecodeLine decodes one line, failing the test when it is not a JSON
// object.
func DecodeLine(t testing.TB, line string) Record {
	t.Helper()
	var r Record
	require.NoError(t, json.Unmarshal([]byte(line), &r), "log line is not JSON: %s", line)
	require.NotNil(t, r, "log line is not a JSON object: %s", line)
	return r
}

// A Match says whether a record is one a test looks for.
type Match func(Record) bool

// Msg matches the records with the message msg.
func Msg(msg string) Match { return func(r Record) bool { return r.Str("msg") == msg } }

// Level matches the records at level, as slog writes it: "INFO", "WARN"...
func Level(level string) Match { return func(r Record) bool { return r.Str("level") == level } }

// Field matches the records whose key holds value; numbers match whatever
// their Go type (Field("status", 404) matches 404 decoded as float64).
func Field(key string, value any) Match {
	return func(r Record) bool {
		v, ok := r[key]
		return ok && assert.ObjectsAreEqualValues(value, v)
	}
}

// All matches the records every m matches; All() matches every record.
func All(ms ...Match) Match {
	return func(r Record) bool {
		for _, m := range ms {
			if !m(r) {
				return false
			}
		}
		return true
	}
}

// Filter returns the records of rs that m matches, in order.
func Filter(rs []Record, m Match) []Record {
	var out []Record
	for _, r := range rs {
		if m(r) {
			out = append(out, r)
		}
	}
	return out
}

// One returns the one record of rs that m matches, failing the test when
// there is none or more than one; what names the record in the failure.
func One(t testing.TB, rs []Record, m Match, what string) Record {
	t.Helper()
	found := Filter(rs, m)
	require.Len(t, found, 1, "one %s record among:\n%s", what, Lines(rs))
	return found[0]
}

// Lines renders rs back as JSON lines, for a failure message.
func Lines(rs []Record) string {
	var b strings.Builder
	for _, r := range rs {
		line, _ := json.Marshal(r)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}
