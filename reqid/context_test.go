package reqid_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/reqid"
)

func TestContext(t *testing.T) {
	_, ok := reqid.From(context.Background())
	assert.False(t, ok, "a bare context carries no ID")

	ctx := reqid.With(context.Background(), "abc")
	id, ok := reqid.From(ctx)
	assert.True(t, ok)
	assert.Equal(t, "abc", id)

	inner := reqid.With(ctx, "def")
	id, _ = reqid.From(inner)
	assert.Equal(t, "def", id, "the innermost ID wins")

	_, ok = reqid.From(reqid.With(ctx, ""))
	assert.False(t, ok, "an empty ID counts as none")
}

type otherKey struct{}

// ctxSink keeps the contexts made in allocation tests and benchmarks on the
// heap, as a request's context is: one that does not escape costs nothing.
var ctxSink context.Context

// opaqueCtx is a context type of the caller's own, which the standard
// library cannot see through: lookups must go through its Value.
type opaqueCtx struct{ context.Context }

func TestFromThroughOtherContexts(t *testing.T) {
	base := reqid.With(context.Background(), "abc")
	cancelled, cancel := context.WithCancel(base)
	defer cancel()
	timed, cancelTimed := context.WithTimeout(base, time.Hour)
	defer cancelTimed()
	for name, ctx := range map[string]context.Context{
		"WithValue":     context.WithValue(base, otherKey{}, 1),
		"WithCancel":    cancelled,
		"WithTimeout":   timed,
		"WithoutCancel": context.WithoutCancel(base),
		"caller's type": opaqueCtx{base},
	} {
		id, ok := reqid.From(ctx)
		assert.True(t, ok, name)
		assert.Equal(t, "abc", id, name)
	}
	id, _ := reqid.From(context.WithValue(reqid.With(opaqueCtx{base}, "def"), otherKey{}, 1))
	assert.Equal(t, "def", id, "the innermost ID wins through other contexts")
}

func TestContextDelegatesValues(t *testing.T) {
	ctx := reqid.With(context.WithValue(context.Background(), otherKey{}, "v"), "abc")
	assert.Equal(t, "v", ctx.Value(otherKey{}), "other keys are the parent's")
	assert.Nil(t, ctx.Value("missing"))
}

func TestContextDelegatesDeadlineAndCancellation(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.Background(), deadline)
	ctx := reqid.With(parent, "abc")

	got, ok := ctx.Deadline()
	assert.True(t, ok)
	assert.Equal(t, deadline, got)
	assert.Equal(t, parent.Done(), ctx.Done(), "Done is the parent's channel")
	require.NoError(t, ctx.Err())

	// Contexts derived from it, and AfterFunc, hang on the parent's
	// cancellation directly: they are cancelled by the time cancel returns,
	// without a goroutine relaying it.
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()
	timed, cancelTimed := context.WithTimeout(ctx, 2*time.Hour)
	defer cancelTimed()
	after := make(chan struct{})
	context.AfterFunc(ctx, func() { close(after) })

	cancel()
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
	assert.ErrorIs(t, child.Err(), context.Canceled, "the derived context is cancelled at once")
	assert.ErrorIs(t, timed.Err(), context.Canceled)
	assert.ErrorIs(t, context.Cause(child), context.Canceled)
	select {
	case <-after:
	case <-time.After(10 * time.Second):
		t.Fatal("AfterFunc did not run on the parent's cancellation")
	}
	id, _ := reqid.From(child)
	assert.Equal(t, "abc", id, "a cancelled context still carries its ID")
}

func TestContextBackgroundHasNoDeadline(t *testing.T) {
	ctx := reqid.With(context.Background(), "abc")
	_, ok := ctx.Deadline()
	assert.False(t, ok)
	assert.Nil(t, ctx.Done(), "never cancelled, like its parent")
	assert.NoError(t, ctx.Err())
}

func TestContextString(t *testing.T) {
	ctx := reqid.With(context.Background(), "abc")
	assert.Equal(t, `context.Background.WithRequestID("abc")`, fmt.Sprint(ctx))
	assert.Equal(t, `reqid_test.opaqueCtx.WithRequestID("bad\n")`, fmt.Sprint(reqid.With(opaqueCtx{ctx}, "bad\n")),
		"a parent without String is named by its type; the ID is quoted")
}

func TestWithNilContextPanics(t *testing.T) {
	assert.PanicsWithValue(t, "reqid: With called with a nil context", func() {
		_ = reqid.With(nil, "abc")
	})
}

// TestContextAllocationBudget: With costs one allocation (the context,
// holding the ID); From costs none, on With's context or below others.
func TestContextAllocationBudget(t *testing.T) {
	id := reqid.New() // not a constant: a constant string boxes for free
	parent := context.Background()
	assert.LessOrEqual(t, testing.AllocsPerRun(1000, func() { ctxSink = reqid.With(parent, id) }), 1.0)

	direct := reqid.With(parent, id)
	wrapped, cancel := context.WithCancel(context.WithValue(opaqueCtx{direct}, otherKey{}, 1))
	defer cancel()
	for name, ctx := range map[string]context.Context{"direct": direct, "wrapped": wrapped, "none": parent} {
		assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = reqid.From(ctx) }), name)
	}
}

func BenchmarkWith(b *testing.B) {
	id := reqid.New()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ctxSink = reqid.With(ctx, id)
	}
}

// BenchmarkFrom reads the ID from With's context directly, and from below
// the contexts a handler typically sees on top of it.
func BenchmarkFrom(b *testing.B) {
	direct := reqid.With(context.Background(), reqid.New())
	wrapped, cancel := context.WithCancel(context.WithValue(direct, otherKey{}, 1))
	defer cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{
		{"direct", direct},
		{"wrapped", wrapped},
		{"none", context.Background()},
	} {
		ctx := c.ctx
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = reqid.From(ctx)
			}
		})
	}
}
