package stats

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzValues sends every kind of stat with fuzzed values through a Statsd
// and reads the packets as the statsd daemon does, starting from a server
// that already holds 7 in every gauge: each line must parse strictly, and
// the daemon must end up holding exactly what the calls meant. A value the
// daemon cannot take (a negative timing, a NaN or infinite gauge) is
// dropped and counted instead; each call is counted once, in Sent or in
// Dropped. Seeds: testdata/fuzz/FuzzValues (-0, negative and extreme
// values, NaN and infinities).
func FuzzValues(f *testing.F) {
	f.Fuzz(func(t *testing.T, n, d int64, gauge, delta float64) {
		for _, format := range []TagFormat{TagsGraphite, TagsNone} {
			sink := &captureSender{}
			s, err := NewStatsd(Config{Sender: sink, TagFormat: format, FlushInterval: time.Hour})
			require.NoError(t, err)
			tag := T("k", "v")
			s.Count("v.count", n, tag)
			s.Timing("v.timing", time.Duration(d), tag)
			s.Gauge("v.gauge", gauge, tag)
			s.GaugeDelta("v.delta", delta, tag)
			s.NewGauge("v.handle", tag).Set(gauge)
			s.NewCounter("v.counter", tag).Add(n)
			require.NoError(t, s.Close())

			st := newStatsdState()
			for _, key := range []string{"v.gauge", "v.delta", "v.handle"} {
				st.gauges[keyOf(format, key)] = 7
			}
			for _, line := range sink.got() {
				st.apply(checkLine(t, format, line))
			}
			finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
			calls, dropped := uint64(4), uint64(0) // a Timing, a Gauge, a GaugeDelta and the gauge handle
			if n != 0 {
				calls += 2 // a line for the Count's series and one for the counter handle
				assert.Equal(t, float64(n), st.counters[keyOf(format, "v.count")], "Count")
				assert.Equal(t, float64(n), st.counters[keyOf(format, "v.counter")], "Counter.Add")
			}
			if timers := st.timers[keyOf(format, "v.timing")]; d >= 0 {
				require.Len(t, timers, 1)
				assert.InDelta(t, float64(d)/1e6, timers[0], 1e-6+float64(d)/1e6*1e-15, "Timing")
			} else {
				assert.Empty(t, timers, "a negative timing is not sent")
				dropped++
			}
			// A value that is not sent leaves the server's 7.
			wantGauge := func(what, key string, want float64, sent bool) {
				if !sent {
					want, dropped = 7, dropped+1
				}
				assert.Equal(t, want, st.gauges[keyOf(format, key)], what)
			}
			wantGauge("Gauge", "v.gauge", gauge, finite(gauge))
			wantGauge("Gauge.Set", "v.handle", gauge, finite(gauge))
			wantGauge("GaugeDelta", "v.delta", 7+delta, finite(delta))
			assert.Equal(t, dropped, s.Dropped())
			assert.Equal(t, calls, s.Sent()+s.Dropped(), "each call counted once")
		}
	})
}

// keyOf returns the statsd key of name with the tag k=v in format.
func keyOf(format TagFormat, name string) string {
	if format == TagsGraphite {
		return name + ";k=v"
	}
	return name
}
