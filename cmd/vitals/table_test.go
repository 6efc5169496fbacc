package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/breaker"
)

// The RESUMES column says what lets calls through again, for each state.
func TestResumes(t *testing.T) {
	now := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		snap breaker.Snapshot
		want string
	}{
		{breaker.Snapshot{State: breaker.Open, OpenUntil: now.Add(90 * time.Second)}, "2026-12-06 05:01:30 (in 1m30s)"},
		{breaker.Snapshot{State: breaker.Open, OpenUntil: now.Add(-time.Second)}, "next call probes"},
		{breaker.Snapshot{State: breaker.Open, OpenUntil: now}, "next call probes"},
		{breaker.Snapshot{State: breaker.ForcedOpen}, "when reset"},
		{breaker.Snapshot{State: breaker.HalfOpen}, "probing"},
		{breaker.Snapshot{State: breaker.Closed}, "-"},
		{breaker.Snapshot{State: breaker.Disabled}, "-"},
	} {
		assert.Equal(t, tc.want, resumes(tc.snap, now), "%s", tc.snap.State)
	}
	assert.Equal(t, "-", when(time.Time{}, now), "no time is shown as -")
	assert.Equal(t, "2026-12-06 04:59:58 (2s ago)", when(now.Add(-2*time.Second).In(time.FixedZone("X", 3600)), now), "times are shown in UTC")
}
