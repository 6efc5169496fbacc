package alert_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
)

// Alertmanager tells alerts apart by their labels. An error's summary is
// its text, which often carries an ID ("charge order ord-17: ..."): each
// delivered occurrence of one fingerprint (the 1st, 10th, 100th...) must
// stay one alert there, named as Alertmanager first heard of it, or each
// would be an alert (and a notification) of its own, and a resolution
// would end only the last.
func TestAlertmanagerKeepsOneAlertNamePerFingerprint(t *testing.T) {
	srv := newAMServer(t, nil)
	am := newAM(t, alert.AlertmanagerConfig{URL: srv.URL, Hold: time.Hour})
	for i, summary := range []string{"charge order ord-17 failed", "charge order ord-233 failed"} {
		for _, ongoing := range []bool{false, true} {
			ev := amEvent("fp-"+map[bool]string{false: "once", true: "ongoing"}[ongoing], ongoing)
			ev.Summary = summary
			require.NoError(t, am.Send(context.Background(), ev), "occurrence %d", i)
		}
	}
	posts := srv.wait(t, 4)
	for _, p := range posts {
		got := p[0]
		assert.Equal(t, "charge order ord-17 failed", got.Labels["alertname"], "fingerprint %s", got.Labels["fingerprint"])
	}
	assert.Equal(t, "charge order ord-233 failed", posts[3][0].Annotations["summary"], "the summary says what happened last")

	resolved := amEvent("fp-ongoing", true)
	resolved.Summary, resolved.Status = "charge order ord-999 failed", alert.Resolved
	require.NoError(t, am.Send(context.Background(), resolved))
	posts = srv.wait(t, 5)
	assert.Equal(t, "charge order ord-17 failed", posts[4][0].Labels["alertname"], "the resolution ends the alert that fires")
}
