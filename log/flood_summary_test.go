package log_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

// TestFloodSummaryCarriesKeyAttr floods one breaker's record three ways
// (the value in the record, in the logger, in the context): each summary
// says which breaker, exactly once on its line.
func TestFloodSummaryCarriesKeyAttr(t *testing.T) {
	var out lines
	f := vlog.NewFloodHandler(newLogger(&out).Handler(), vlog.FloodOptions{Window: time.Hour, Burst: 1, KeyAttr: "breaker"})
	l := slog.New(f)
	ctx := reqid.With(context.Background(), "rid-last")
	for range 3 {
		l.WarnContext(ctx, "call rejected", "breaker", "payments")
		l.With("breaker", "shipping").WarnContext(ctx, "call rejected")
		l.WarnContext(vlog.With(ctx, "breaker", "search"), "call rejected")
	}
	require.NoError(t, f.Close())
	summaries := map[string]map[string]any{}
	for _, m := range out.decode(t) { // no line repeats a key
		if m["msg"] == vlog.FloodSummaryMsg {
			summaries[fmt.Sprint(m["breaker"])] = m
		}
	}
	require.Len(t, summaries, 3, "one summary per breaker")
	for breaker, m := range summaries {
		assert.Equal(t, "call rejected", m[vlog.KeySuppressedMsg], breaker)
		assert.Equal(t, 2.0, m[vlog.KeySuppressed], breaker)
		assert.Equal(t, "rid-last", m[vlog.KeyLastRequestID], breaker)
		assert.NotEmpty(t, m[vlog.KeySuppressedFirst], breaker)
		assert.NotEmpty(t, m[vlog.KeySuppressedLast], breaker)
	}
	assert.ElementsMatch(t, []string{"payments", "shipping", "search"}, keysOf(summaries))
}

func keysOf(m map[string]map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestFloodSummaryOnePerKeyAndWindow logs one key over three windows (set
// record times): one summary per window, each with its own count and span.
func TestFloodSummaryOnePerKeyAndWindow(t *testing.T) {
	var out lines
	f := vlog.NewFloodHandler(newLogger(&out).Handler(), vlog.FloodOptions{Window: time.Second, Burst: 1})
	t0 := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	for w := range 3 {
		for i := range w + 2 { // 1 passes, w+1 suppressed
			r := slog.NewRecord(t0.Add(time.Duration(w)*time.Second+time.Duration(i)*time.Millisecond), slog.LevelError, "timeout", 0)
			require.NoError(t, f.Handle(context.Background(), r))
		}
	}
	require.NoError(t, f.Close())
	var got []map[string]any
	for _, m := range out.decode(t) {
		if m["msg"] == vlog.FloodSummaryMsg {
			got = append(got, m)
		}
	}
	require.Len(t, got, 3)
	for w, m := range got {
		assert.Equal(t, float64(w+1), m[vlog.KeySuppressed])
		assert.Equal(t, t0.Add(time.Duration(w)*time.Second+time.Millisecond).Format(time.RFC3339Nano), m[vlog.KeySuppressedFirst])
		assert.Equal(t, t0.Add(time.Duration(w)*time.Second+time.Duration(w+1)*time.Millisecond).Format(time.RFC3339Nano), m[vlog.KeySuppressedLast])
		assert.Equal(t, "ERROR", m["level"])
	}
}

// TestFloodEvictionKeepsCounts floods one ERROR, then logs 2,000 other
// keys, which take its slot over: its summary is written early, and every
// record is either passed or counted in a summary.
func TestFloodEvictionKeepsCounts(t *testing.T) {
	var passed, summarised atomic.Uint64
	f := vlog.NewFloodHandler(countingHandler{&passed, &summarised}, vlog.FloodOptions{Window: time.Hour, Burst: 1})
	l := slog.New(f)
	for range 10 {
		l.Error("payments down")
	}
	require.Equal(t, uint64(9), f.Suppressed())
	for i := range 2000 {
		for range 2 {
			l.Error(fmt.Sprintf("other key %d", i))
		}
	}
	logged := uint64(10 + 2*2000)
	assert.Equal(t, logged, passed.Load()+f.Suppressed(), "a record passes or is suppressed")
	assert.Positive(t, summarised.Load(), "evicted keys' summaries are written early")
	require.NoError(t, f.Close())
	assert.Equal(t, f.Suppressed(), summarised.Load(), "every suppressed record is in a summary")
}

// TestFloodRecordsOutOfOrder gives a window records timed before its
// first, as goroutines logging at once do: they are counted in it, not
// let through as a new window.
func TestFloodRecordsOutOfOrder(t *testing.T) {
	var passed, summarised atomic.Uint64
	f := vlog.NewFloodHandler(countingHandler{&passed, &summarised}, vlog.FloodOptions{Window: time.Second, Burst: 1})
	t0 := time.Now()
	for _, d := range []time.Duration{5, 1, 3, 2, 4} {
		require.NoError(t, f.Handle(context.Background(), slog.NewRecord(t0.Add(d*time.Millisecond), slog.LevelError, "late", 0)))
	}
	assert.Equal(t, uint64(1), passed.Load())
	assert.Equal(t, uint64(4), f.Suppressed())
	require.NoError(t, f.Close())
	assert.Equal(t, uint64(4), summarised.Load())
}

// TestFloodLevelVar changes FloodOptions.Level while logging: it takes
// effect from the next record.
func TestFloodLevelVar(t *testing.T) {
	var passed, summarised atomic.Uint64
	var level slog.LevelVar
	level.Set(slog.LevelError)
	f := vlog.NewFloodHandler(countingHandler{&passed, &summarised}, vlog.FloodOptions{Level: &level, Window: time.Hour, Burst: 1})
	l := slog.New(f)
	warn := func() {
		for range 3 {
			l.Warn("retrying")
		}
	}
	warn()
	assert.Equal(t, uint64(3), passed.Load(), "below the level: all pass")
	level.Set(slog.LevelWarn)
	warn()
	assert.Equal(t, uint64(4), passed.Load(), "collapsed from now on")
	assert.Equal(t, uint64(2), f.Suppressed())
	require.NoError(t, f.Close())
}
