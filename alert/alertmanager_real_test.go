package alert_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/amtest"
)

// TestAlertmanagerReal delivers through the real Alertmanager to a webhook:
// labels and annotations arrive after grouping; an Ongoing alert refreshed
// by the sink stays firing well past resolve_timeout and its own first
// endsAt, while a one-shot alert resolves at LastSeen + Hold; a Resolved
// event resolves the Ongoing one; Alertmanager down is a Transient error,
// and once it is back alerts are delivered again.
func TestAlertmanagerReal(t *testing.T) {
	rcv := amtest.NewReceiver(t)
	am := amtest.Start(t, rcv.URL)
	const refresh = 300 * time.Millisecond
	sink := newAM(t, alert.AlertmanagerConfig{URL: am.URL(), Refresh: refresh, Hold: time.Second})
	ctx := context.Background()

	ongoing := amEvent("real-ongoing", true)
	oneShot := amEvent("real-oneshot", false)
	sentAt := time.Now()
	require.NoError(t, sink.Send(ctx, ongoing))
	require.NoError(t, sink.Send(ctx, oneShot))

	got := rcv.Await(t, "fingerprint", "real-ongoing", "firing")
	assert.Equal(t, "billing", got.Labels["service"])
	assert.Equal(t, "page", got.Labels["severity"])
	assert.Equal(t, "payments breaker open", got.Labels["alertname"])
	assert.Equal(t, "req-1", got.Annotations["request_id"])
	assert.Equal(t, "check the payments gateway", got.Annotations["remedy"])
	rcv.Await(t, "fingerprint", "real-oneshot", "firing")

	// The one-shot alert resolves by itself at LastSeen + Hold ...
	rcv.Await(t, "fingerprint", "real-oneshot", "resolved")
	// ... while the Ongoing one, whose first endsAt (4 refreshes) and
	// resolve_timeout (1 s) are long past, still fires.
	for time.Since(sentAt) < 8*refresh+2*time.Second {
		require.True(t, am.Active(t, "real-ongoing"), "the refreshed alert stopped firing")
		require.Empty(t, rcv.Find("fingerprint", "real-ongoing", "resolved"))
		time.Sleep(100 * time.Millisecond)
	}

	resolved := ongoing
	resolved.Status = alert.Resolved
	require.NoError(t, sink.Send(ctx, resolved))
	rcv.Await(t, "fingerprint", "real-ongoing", "resolved")

	am.Stop()
	err := sink.Send(ctx, amEvent("real-after", false))
	require.Error(t, err, "Alertmanager is down")
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err))

	am.Run(t)
	require.NoError(t, sink.Send(ctx, amEvent("real-after", false)))
	rcv.Await(t, "fingerprint", "real-after", "firing")
}

// TestAlertmanagerRealThroughNotifier: with Alertmanager down, callers of
// Notify are not held up, the failures are counted and the sink's breaker
// opens (later alerts dropped, counted); once it is back, alerts are
// delivered again, led by the message that says what was missed.
func TestAlertmanagerRealThroughNotifier(t *testing.T) {
	rcv := amtest.NewReceiver(t)
	am := amtest.Start(t, rcv.URL)
	sink := newAM(t, alert.AlertmanagerConfig{URL: am.URL()})
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, RateLimit: -1,
		Breaker: breaker.Config{ConsecutiveFailures: 2, OpenDuration: time.Second}})
	ctx := context.Background()
	r.n.Notify(ctx, alert.Alert{Summary: "before the outage"})
	rcv.Await(t, "alertname", "before the outage", "firing")

	am.Stop()
	const during = 5
	for i := range during {
		start := time.Now()
		r.n.Notify(ctx, alert.Alert{Summary: "during the outage " + strconv.Itoa(i)})
		assert.Less(t, time.Since(start), 100*time.Millisecond, "Notify waited for the sink")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, failed, dropped, _ := r.counts(sink.Name())
		if failed+dropped == during {
			assert.GreaterOrEqual(t, failed, int64(2), "the breaker opens after two failures")
			assert.GreaterOrEqual(t, dropped, int64(1), "and then drops, counted")
			break
		}
		require.True(t, time.Now().Before(deadline), "failed %d + dropped %d, want %d", failed, dropped, during)
		time.Sleep(10 * time.Millisecond)
	}

	am.Run(t)
	// Alerts flow again once the breaker lets a probe through.
	deadline = time.Now().Add(15 * time.Second)
	for i := 0; len(rcv.Find("fingerprint", "alert.sink.alertmanager.missed", "firing")) == 0; i++ {
		require.True(t, time.Now().Before(deadline), "no delivery after Alertmanager came back")
		r.n.Notify(ctx, alert.Alert{Summary: "after the outage " + strconv.Itoa(i)})
		select {
		case <-rcv.Got():
		case <-time.After(200 * time.Millisecond):
		}
	}
	note := rcv.Find("fingerprint", "alert.sink.alertmanager.missed", "firing")[0]
	assert.Contains(t, note.Annotations["summary"], "missed")
	// The note follows the first success: an alert raised after the outage.
	afterOutage := func() bool {
		for _, a := range rcv.Alerts() {
			if strings.HasPrefix(a.Labels["alertname"], "after the outage ") {
				return true
			}
		}
		return false
	}
	timeout := time.After(15 * time.Second)
	for !afterOutage() {
		select {
		case <-rcv.Got():
		case <-timeout:
			require.FailNow(t, "no alert raised after the outage reached the webhook")
		}
	}
}

// TestAlertmanagerRealDroppedResolvedStillResolves: a Resolved event that
// the guard drops (here the sink's rate limit is spent by the Fire) must
// still stop the sink refreshing the alert, and the resolution reaches
// Alertmanager all the same, well before the endsAt of the last refresh
// would have let it expire.
func TestAlertmanagerRealDroppedResolvedStillResolves(t *testing.T) {
	rcv := amtest.NewReceiver(t)
	am := amtest.Start(t, rcv.URL)
	const refresh = 2 * time.Second // a refresh's endsAt is 8 s ahead
	sink := newAM(t, alert.AlertmanagerConfig{URL: am.URL(), Refresh: refresh})
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, RateLimit: 1e-6, Burst: 1})
	ctx := context.Background()
	fp := r.n.Fire(ctx, alert.Alert{Summary: "purchases without authorization code", Fingerprint: "dropped-resolve"})
	rcv.Await(t, "fingerprint", fp, "firing")

	r.n.Resolve(ctx, fp)
	resolvedAt := time.Now()
	require.Eventually(t, func() bool { _, _, dropped, _ := r.counts(sink.Name()); return dropped == 1 },
		5*time.Second, time.Millisecond, "the resolution was dropped by the rate limit")
	deadline := time.After(5 * time.Second) // the expiry of the last refresh is 6 s or more away
	for len(rcv.Find("fingerprint", fp, "resolved")) == 0 {
		select {
		case <-rcv.Got():
		case <-deadline:
			require.FailNow(t, "the dropped resolution never reached Alertmanager", "after %v", time.Since(resolvedAt))
		}
	}
	assert.False(t, am.Active(t, fp))
	// The sink no longer refreshes it: after more than a refresh period it
	// is still resolved.
	time.Sleep(refresh + 500*time.Millisecond)
	assert.False(t, am.Active(t, fp), "a refresh revived the resolved alert")
}
