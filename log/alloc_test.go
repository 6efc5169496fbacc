package log_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

// The allocation budgets below are what middleware pays per request; see
// the benchmarks in bench_test.go and ../bench.

func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
}

func TestWithAttrsIsOneAllocation(t *testing.T) {
	skipUnderRace(t)
	ctx := reqid.With(context.Background(), testRequestID)
	method := string([]byte("GET")) // not a constant: a string header to carry
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() {
		_ = vlog.WithAttrs(ctx, slog.String("method", method), slog.String("route", "/v1/orders"))
	}), "WithAttrs")
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() {
		_ = vlog.With(ctx, "method", "GET", "route", "/v1/orders")
	}), "With, constant values")
	parent := vlog.WithAttrs(ctx, slog.String("method", method))
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() {
		_ = vlog.WithAttrs(parent, slog.String("route", "/v1/orders"), slog.Int("attempt", 2))
	}), "on top of a parent's attributes, while they fit together")
}

func TestWithAttrsCarriesAndReplaces(t *testing.T) {
	var out lines
	l := newLogger(&out)
	ctx := vlog.WithAttrs(context.Background(), slog.String("a", "1"), slog.Group("empty"), slog.String("b", "2"))
	ctx = vlog.WithAttrs(ctx, slog.String("a", "3"), slog.String("c", "4"), slog.String("d", "5"), slog.String("e", "6"))
	assert.Equal(t, ctx, vlog.WithAttrs(ctx), "no attributes: the same context")
	l.InfoContext(ctx, "m")
	line := out.String()
	assert.Equal(t, []string{"time", "level", "msg", "process", "b", "a", "c", "d", "e"}, topKeys(t, line),
		"a later key replaces the earlier one and moves to the end; empty groups are dropped")
	m := out.decode(t)[0]
	assert.Equal(t, "3", m["a"])
	assert.Equal(t, "6", m["e"])
}

// TestContextOfWithBehavesAsAContext checks the one-allocation context
// against what the standard library does with contexts derived from it.
func TestContextOfWithBehavesAsAContext(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	ctx := vlog.With(parent, "a", 1)
	assert.Equal(t, "v", ctx.Value(key{}))
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()
	cancel()
	<-child.Done() // cancellation reaches contexts derived from it
	assert.ErrorIs(t, child.Err(), context.Canceled)
	assert.Contains(t, ctx.(interface{ String() string }).String(), "log.With")
}

// TestNewSteadyStateAllocations: New's logger (NewHandler on
// NewJSONHandler) writes a request's records without allocating, with the
// source too, for which slog's JSON handler allocates six times per record.
func TestNewSteadyStateAllocations(t *testing.T) {
	skipUnderRace(t)
	for _, addSource := range []bool{false, true} {
		l := vlog.New(vlog.Options{Writer: io.Discard, Level: slog.LevelInfo, AddSource: addSource})
		ctx := vlog.With(requestContext(), "route", "/v1/orders")
		logFour(ctx, l)
		logFour(ctx, l) // the second record of a context encodes its fields once
		assert.Zero(t, testing.AllocsPerRun(100, func() { logFour(ctx, l) }), "AddSource: %v", addSource)
	}
}

func TestHandlerFirstRecordAllocations(t *testing.T) {
	skipUnderRace(t)
	l := slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil))
	base := requestContext()
	// A new context per record, as an access record or the first record of
	// a request: the handler builds the fields (an entry, its slice, the
	// trace IDs' text) and hands inner a record rebuilt in one piece (its
	// attributes past the fifth in one slice).
	got := testing.AllocsPerRun(100, func() {
		ctx := vlog.WithAttrs(base, slog.String("route", "/v1/orders"))
		l.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", "GET"), slog.String("path", "/v1/orders"),
			slog.Int("status", 200), slog.Int("bytes", 2), slog.Duration("duration", 1234),
			slog.String("remote_addr", "127.0.0.1:4000"), slog.String("user_agent", "bench"), slog.String("proto", "HTTP/1.1"))
	})
	// The caller's record 1 (past five attributes), WithAttrs 1, entry 1,
	// fields 1, trace IDs 1, the rebuilt record 1.
	assert.LessOrEqual(t, got, 6.0)
}

// TestHandlerRecordKeyClashIsCheap: a record that sets a key the context
// also carries (an outbound call's "method" in a request's context) keeps
// its own value, the context's is written as "!method", at the cost of one
// rebuilt record, not a rebuild of the fields.
func TestHandlerRecordKeyClashIsCheap(t *testing.T) {
	var out lines
	l := newLogger(&out)
	ctx := vlog.With(requestContext(), "method", "POST", "route", "/v1/orders")
	for range 3 {
		l.InfoContext(ctx, "outbound request", "method", "GET", "host", "api", "path", "/users/42", "status", 200)
	}
	got := out.decode(t)
	require.Len(t, got, 3)
	for _, m := range got {
		assert.Equal(t, "GET", m["method"])
		assert.Equal(t, "POST", m["!method"])
		assert.Equal(t, "/v1/orders", m["route"])
		assert.Equal(t, testRequestID, m["request_id"])
	}
	want := []string{"time", "level", "msg", "process", "request_id", "trace_id", "span_id", "!method", "route",
		"method", "host", "path", "status"}
	assert.Equal(t, want, topKeys(t, out.String()))

	if raceEnabled {
		return
	}
	dl := slog.New(vlog.NewHandler(slog.NewJSONHandler(io.Discard, nil), nil))
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() {
		dl.LogAttrs(ctx, slog.LevelInfo, "outbound request", slog.String("method", "GET"), slog.String("host", "api"),
			slog.String("path", "/users/42"), slog.Int("status", 200))
	}), 1.0)
}
