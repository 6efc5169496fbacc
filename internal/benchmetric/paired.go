package benchmetric

import (
	"slices"
	"testing"
	"time"
)

// stretch is how many calls of one function are timed together: enough to
// make the clock read negligible, few enough that the machine's load
// barely changes between the two stretches of a pair.
const stretch = 100

// PairedRatio runs base and cand in alternating stretches, in alternating
// order, once per iteration of b's loop, and returns the median of the
// ratios cand/base. A figure like "at most 1.1x the bare handler" is checked
// on this, since separate benchmark runs on a shared machine drift apart
// by more than that.
func PairedRatio(b *testing.B, base, cand func()) float64 {
	timed := func(f func()) time.Duration {
		t0 := time.Now()
		for range stretch {
			f()
		}
		return time.Since(t0)
	}
	var ratios []float64
	for i := 0; b.Loop(); i++ {
		var tb, tc time.Duration
		if i%2 == 0 {
			tb, tc = timed(base), timed(cand)
		} else {
			tc, tb = timed(cand), timed(base)
		}
		ratios = append(ratios, float64(tc)/float64(max(tb, 1)))
	}
	if len(ratios) == 0 {
		return 0
	}
	slices.Sort(ratios)
	return ratios[len(ratios)/2]
}
