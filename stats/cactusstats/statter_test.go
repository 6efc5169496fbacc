package cactusstats_test

import (
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cactus/go-statsd-client/v5/statsd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/cactusstats"
	"github.com/vitals-go/vitals/stats/otelstats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// Cactus' Timing takes milliseconds in an int64; past 292 years they do not
// fit a time.Duration, and the multiplication must not wrap into a short or
// negative timing.
func TestTimingOfHugeMillisecondsSaturates(t *testing.T) {
	rec := statstest.New()
	s := cactusstats.New(rec, "")
	for _, ms := range []int64{math.MaxInt64, math.MaxInt64 / 1000, 9_223_372_036_855} {
		require.NoError(t, s.Timing("slow."+strconv.FormatInt(ms, 10), ms, 1))
		assert.Equal(t, []time.Duration{math.MaxInt64}, rec.Timings("slow."+strconv.FormatInt(ms, 10)), "%d ms", ms)
	}
	require.NoError(t, s.Timing("edge", 9_223_372_036_854, 1)) // the largest that fits
	assert.Equal(t, []time.Duration{9_223_372_036_854 * time.Millisecond}, rec.Timings("edge"))
	require.NoError(t, s.Timing("neg", math.MinInt64, 1))
	assert.Equal(t, []time.Duration{math.MinInt64}, rec.Timings("neg"), "negative: the emitter drops it")
}

// Dec(n) counts -n; Dec(math.MinInt64), whose negation does not fit, counts
// the most an int64 holds rather than a decrement turned into an increment.
func TestDecOfMinInt64DoesNotWrap(t *testing.T) {
	rec := statstest.New()
	s := cactusstats.New(rec, "")
	require.NoError(t, s.Dec("seats", 3, 1))
	assert.EqualValues(t, -3, rec.Counted("seats"))
	require.NoError(t, s.Dec("min", math.MinInt64, 1))
	assert.EqualValues(t, math.MaxInt64, rec.Counted("min"))
}

// SetPrefix while other goroutines send: every stat is counted under one
// prefix or the other, never a torn one.
func TestSetPrefixWhileSending(t *testing.T) {
	rec := statstest.New()
	s := cactusstats.New(rec, "a")
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				_ = s.Inc("n", 1, 1)
			}
		})
	}
	wg.Go(func() {
		for i := range each {
			s.SetPrefix([]string{"a", "b"}[i%2])
		}
	})
	wg.Wait()
	assert.EqualValues(t, workers*each, rec.Counted("a.n")+rec.Counted("b.n"))
	assert.Subset(t, []string{"a.n", "b.n"}, rec.Series(), "no other series")
}

// New(nil, ...) sends to stats.Default() as it is when New is called.
func TestNilEmitterIsTheDefault(t *testing.T) {
	rec := statstest.New()
	prev := stats.Default()
	stats.SetDefault(rec)
	t.Cleanup(func() { stats.SetDefault(prev) })
	require.NoError(t, cactusstats.New(nil, "legacy").Inc("logins", 2, 1))
	assert.EqualValues(t, 2, rec.Counted("legacy.logins"))
}

// Through otelstats, cactus calls become OTel instruments; a Dec is a
// negative count, which an OTel counter refuses: dropped and counted, and
// still nil to the cactus caller.
func TestCactusCallsReachOTel(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	e, err := otelstats.New(otelstats.Config{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	require.NoError(t, err)
	var client statsd.Statter = cactusstats.New(e, "legacy")
	require.NoError(t, client.Inc("logins", 2, 1, statsd.Tag{"via", "sso"}))
	require.NoError(t, client.TimingDuration("db", 3*time.Millisecond, 1))
	require.NoError(t, client.Dec("seats", 1, 1))
	require.NoError(t, client.SetInt("users", 7, 1))
	assert.EqualValues(t, 1, e.DroppedBy(otelstats.ReasonInvalid), "the Dec")
	assert.EqualValues(t, 1, e.DroppedBy(otelstats.ReasonSet), "the SetInt")
	assert.EqualValues(t, 2, e.Dropped())
}

// Names past the ones a Statter keeps are still sent under the prefix,
// and a SetPrefix applies to names already seen.
func TestManyNamesAndANewPrefix(t *testing.T) {
	rec := statstest.New()
	s := cactusstats.New(rec, "a")
	for round := range 2 {
		for i := range 300 {
			_ = s.Inc("n"+strconv.Itoa(i), int64(round+1), 1)
		}
	}
	assert.EqualValues(t, 3, rec.Counted("a.n0"))
	assert.EqualValues(t, 3, rec.Counted("a.n299"))
	s.SetPrefix("b")
	_ = s.Inc("n0", 1, 1)
	assert.EqualValues(t, 1, rec.Counted("b.n0"))
	assert.Len(t, rec.Series(), 301)
}

// A cactus call by a known name, with tags, costs the adapter no
// allocation: the prefixed name is kept, and cactus' tags are handed to
// the Emitter as they are.
func TestTaggedCallsDoNotAllocate(t *testing.T) {
	s := cactusstats.New(stats.Discard, "legacy")
	tags := []statsd.Tag{{"route", "/users"}, {"code", "200"}}
	allocs := testing.AllocsPerRun(100, func() {
		_ = s.Inc("requests", 1, 1, tags...)
		_ = s.TimingDuration("db", time.Millisecond, 1, tags...)
	})
	assert.Zero(t, allocs)
}
