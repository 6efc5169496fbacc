package record

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTruncate(t *testing.T) {
	assert.Equal(t, "", Truncate("", 5))
	assert.Equal(t, "abcde", Truncate("abcde", 5), "at the bound: unchanged")
	assert.Equal(t, "ab...", Truncate("abcdef", 5))
	long := strings.Repeat("x", 1<<20)
	assert.Len(t, Truncate(long, 1024), 1024)
	assert.True(t, strings.HasSuffix(Truncate(long, 1024), "..."))
}

func TestRejectedIDNeverRaw(t *testing.T) {
	hostile := "\"},\"level\":\"ERROR\u202e" + strings.Repeat("A", 1<<20)
	a := RejectedID(hostile)
	assert.Equal(t, RejectedIDKey, a.Key)
	v := a.Value.String()
	assert.Less(t, len(v), 200, "bounded")
	assert.NotContains(t, v, "\u202e", "escaped")
	assert.NotContains(t, v, `"},"`, "quotes escaped")
}

func TestEmit(t *testing.T) {
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, &slog.HandlerOptions{AddSource: true})
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	Emit(context.Background(), h, at, slog.LevelWarn, "request", []slog.Attr{slog.Int("status", 404)})
	var got map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	assert.Equal(t, "WARN", got["level"])
	assert.Equal(t, "request", got["msg"])
	assert.EqualValues(t, 404, got["status"])
	assert.Equal(t, "2026-01-02T03:04:05Z", got["time"])
	assert.NotContains(t, got, "source", "no program counter: no source to point at")
}
