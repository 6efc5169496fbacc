package log_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/logtest"
)

// The IDs that requestContext carries, as the handler writes them.
const (
	testRequestID = "0af7651916cd43dd8448eb211c80319c"
	testTraceID   = "4bf92f3577b34da6a3ce929d0e0e4736"
	testSpanID    = "00f067aa0ba902b7"
)

// assertRequestFields checks that m carries requestContext's request ID,
// trace ID and span ID.
func assertRequestFields(t *testing.T, m map[string]any) {
	t.Helper()
	assert.Equal(t, testRequestID, m["request_id"])
	assert.Equal(t, testTraceID, m["trace_id"])
	assert.Equal(t, testSpanID, m["span_id"])
}

// lines is a concurrency-safe io.Writer that keeps what was written, and
// decodes it strictly.
type lines struct{ logtest.Buffer }

// decode returns every line written so far as a JSON object, failing the
// test on a line that is not one or that repeats a key at any level.
func (l *lines) decode(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range l.Lines() {
		out = append(out, decodeLine(t, line))
	}
	return out
}

// decodeLine decodes one JSON object and checks that no object in it
// repeats a key.
func decodeLine(t *testing.T, line string) map[string]any {
	t.Helper()
	requireNoDuplicateKeys(t, line)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &m), "line: %s", line)
	return m
}

func requireNoDuplicateKeys(t *testing.T, line string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	// A stack of the keys seen in each open object; nil for an array.
	var stack []map[string]bool
	expectKey := func() bool { return len(stack) > 0 && stack[len(stack)-1] != nil }
	keyNext := true // in an object, a key comes next
	for {
		tok, err := dec.Token()
		if err != nil {
			require.Equal(t, "EOF", err.Error(), "line: %s", line)
			return
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, map[string]bool{})
			keyNext = true
			continue
		case json.Delim('['):
			stack = append(stack, nil)
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			keyNext = expectKey()
			continue
		}
		if expectKey() && keyNext {
			k := tok.(string)
			require.False(t, stack[len(stack)-1][k], "duplicate key %q in %s", k, line)
			stack[len(stack)-1][k] = true
			keyNext = false
			continue
		}
		keyNext = expectKey()
	}
}

// topKeys returns the top-level keys of a JSON object in order.
func topKeys(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}
