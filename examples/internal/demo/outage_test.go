package demo

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The outage keeps its window, and outlasts it until it has failed Fails
// calls in the period, counted again in every period.
func TestOutageFailsAtLeastFailsCallsPerPeriod(t *testing.T) {
	start := time.Unix(0, 0)
	o := &Outage{Start: start, Period: time.Second, From: 0.3, To: 0.4, Fails: 3}
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }

	assert.False(t, o.Down(at(299)), "before the window")
	assert.True(t, o.Down(at(300)), "in the window")
	assert.True(t, o.Down(at(500)), "past the window, 1 failure short")
	assert.True(t, o.Down(at(900)), "past the window, the last failure owed")
	assert.False(t, o.Down(at(950)), "owed nothing more")

	assert.False(t, o.Down(at(1299)), "next period, before the window")
	for _, ms := range []int{1300, 1310, 1320, 1330} {
		assert.True(t, o.Down(at(ms)), "next period, in the window at %d ms", ms)
	}
	assert.False(t, o.Down(at(1400)), "next period, past the window with its failures made")
}
