package panics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

//go:noinline
func explode() { panic("boom") }

//go:noinline
func nilDeref() {
	var p *struct{ n int }
	_ = p.n
}

//go:noinline
func outer(f func()) { f() }

// recovered runs f under a deferred recover that captures the stack the way
// the middleware does: from a function of its own.
func recovered(depth int, f func()) (value any, stack []string) {
	defer func() {
		value = recover()
		stack = Stack(depth)
	}()
	outer(f)
	return nil, nil
}

func TestStackStartsAtThePanickingFunction(t *testing.T) {
	for name, f := range map[string]func(){"panic": explode, "nil dereference": nilDeref} {
		t.Run(name, func(t *testing.T) {
			v, stack := recovered(32, f)
			require.NotNil(t, v)
			require.GreaterOrEqual(t, len(stack), 3)
			assert.Contains(t, stack[0], "internal/panics."+funcName(name)+" ", "the first frame is the function that panicked")
			assert.Regexp(t, `^\S+ \S+panics_test\.go:\d+$`, stack[0], "function file:line")
			assert.Contains(t, stack[1], "internal/panics.outer ")
			for _, f := range stack {
				assert.NotContains(t, f, "runtime.gopanic", "the panic machinery is left out")
				assert.NotContains(t, f, "runtime.goexit")
			}
		})
	}
}

func funcName(test string) string {
	if test == "panic" {
		return "explode"
	}
	return "nilDeref"
}

func TestStackIsBounded(t *testing.T) {
	_, stack := recovered(2, explode)
	require.Len(t, stack, 2)
	assert.Contains(t, stack[0], "panics.explode")
	assert.Contains(t, stack[1], "panics.outer")
}

func TestMessage(t *testing.T) {
	assert.Equal(t, "panic: boom", Message("boom"))
	assert.Equal(t, "panic: disk full", Message(errors.New("disk full")))
	assert.Equal(t, "panic: 42", Message(42))
	long := Message(strings.Repeat("x", 1<<20))
	assert.Len(t, long, MaxMessage)
	assert.True(t, strings.HasSuffix(long, "..."))
}

type info struct{ id string }

func TestCallOnPanicRunsTheHook(t *testing.T) {
	var got info
	CallOnPanic(context.Background(), slog.New(slog.DiscardHandler), func(_ context.Context, i info) { got = i },
		info{id: "r1"}, "run Config.OnPanic", "fix the hook")
	assert.Equal(t, "r1", got.id)
}

func TestCallOnPanicContainsAPanickingHook(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	require.NotPanics(t, func() {
		CallOnPanic(context.Background(), logger, func(context.Context, info) { panic("pager down") },
			info{}, "run Config.OnPanic", "fix the hook")
	})
	var rec map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	assert.Equal(t, "ERROR", rec["level"])
	assert.Equal(t, "OnPanic hook panicked", rec["msg"])
	assert.Equal(t, "run Config.OnPanic", rec["attempted"])
	assert.Equal(t, "panic: pager down", rec["error"])
	assert.Equal(t, "fix the hook", rec["remedy"])
}

func TestAppendAttrs(t *testing.T) {
	attrs := AppendAttrs([]slog.Attr{slog.Int("status", 500)}, "serve GET /x", "boom", []string{"main.f f.go:1"}, "fix it")
	require.Len(t, attrs, 5)
	assert.Equal(t, slog.Int("status", 500), attrs[0], "the request's own fields come first")
	assert.Equal(t, slog.String("attempted", "serve GET /x"), attrs[1])
	assert.Equal(t, slog.String("error", "panic: boom"), attrs[2])
	assert.Equal(t, "stack", attrs[3].Key)
	assert.Equal(t, []string{"main.f f.go:1"}, attrs[3].Value.Any())
	assert.Equal(t, slog.String("remedy", "fix it"), attrs[4])
}
