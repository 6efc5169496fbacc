package breaker

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestOpenDurationLimits backs Config.OpenDuration's doc: an open period is
// at least 1 ms, jitter included, and at most 2^62 nanoseconds.
func TestOpenDurationLimits(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		min  time.Duration
		max  time.Duration
	}{
		{"below 1ms", Config{OpenDuration: time.Microsecond}, time.Millisecond, time.Millisecond},
		{"jittered below 1ms", Config{OpenDuration: time.Millisecond, Jitter: 0.9}, time.Millisecond, 1900 * time.Microsecond},
		{"292 years", Config{OpenDuration: math.MaxInt64}, 1 << 62, 1 << 62},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.ConsecutiveFailures = 1
			h := newHarness(t, c.cfg)
			for range 20 {
				h.fails(1)
				h.expect(Closed, Open)
				s := h.b.Snapshot()
				d := s.OpenUntil.Sub(s.Since)
				assert.GreaterOrEqual(t, d, c.min)
				assert.LessOrEqual(t, d, c.max)
				h.b.Reset()
				h.expect(Open, Closed)
			}
		})
	}
}
