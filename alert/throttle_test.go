package alert_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/internal/logtest"
)

func TestThrottleDeliversMilestonesThenOneDigestPerWindow(t *testing.T) {
	clock := newClock()
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: clock, Window: time.Minute, RateLimit: -1})
	ctx := context.Background()
	for range 1412 {
		r.n.Notify(ctx, alert.Alert{Summary: "job failed", Fingerprint: "job"})
	}
	evs := sink.wait(t, 4)
	var occ []int64
	for _, ev := range evs {
		occ = append(occ, ev.Occurrence)
	}
	assert.Equal(t, []int64{1, 10, 100, 1000}, occ)
	assert.Equal(t, int64(8), evs[1].Suppressed, "2nd..9th were held back")
	assert.Equal(t, int64(899), evs[3].Suppressed, "101st..999th were held back")

	clock.Advance(time.Minute)
	digest := sink.wait(t, 5)[4]
	assert.Equal(t, int64(412), digest.Suppressed, "1001st..1412th")
	assert.Equal(t, int64(1412), digest.Occurrence)
	assert.Equal(t, "job", digest.Fingerprint)
	logtest.One(t, r.logs.Records(t), logtest.Msg("job failed (412 more since 10:02:00)"), "the digest's record")

	require.Eventually(t, func() bool { sent, _, _, _ := r.counts("s"); return sent == 5 }, 5*time.Second, time.Millisecond)
	_, failed, dropped, suppressed := r.counts("s")
	assert.Zero(t, failed+dropped)
	assert.Equal(t, int64(1408), suppressed, "every occurrence not delivered on its own is counted")

	clock.Advance(time.Minute)
	r.n.Notify(ctx, alert.Alert{Summary: "job failed", Fingerprint: "job"})
	ev := sink.wait(t, 6)[5]
	assert.Equal(t, int64(1), ev.Occurrence, "a new window starts over")
	assert.Zero(t, ev.Suppressed, "the digest already told")
}

func TestOccurrenceAfterTheWindowCarriesTheUndigestedCount(t *testing.T) {
	clock := newClock()
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, Clock: clock, Window: time.Minute, RateLimit: -1})
	for range 5 {
		r.n.Notify(context.Background(), alert.Alert{Summary: "x"})
	}
	clock.Skip(2 * time.Minute) // past the window, before the sweep runs
	r.n.Notify(context.Background(), alert.Alert{Summary: "x"})
	ev := sink.wait(t, 2)[1]
	assert.Equal(t, int64(1), ev.Occurrence)
	assert.Equal(t, int64(4), ev.Suppressed)
}

func TestTooManyFingerprintsFallIntoOneOverflowAlert(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, MaxFingerprints: 3, RateLimit: -1})
	for i := range 30 {
		r.n.Notify(context.Background(), alert.Alert{Summary: "volatile " + string(rune('a'+i))})
	}
	evs := sink.wait(t, 5)
	require.Len(t, evs, 5, "3 fingerprints, then the overflow's 1st and 10th")
	assert.Equal(t, "alert.overflow", evs[3].Fingerprint)
	assert.Equal(t, int64(10), evs[4].Occurrence)
	_, _, _, suppressed := r.counts("s")
	assert.Equal(t, int64(25), suppressed)
}
