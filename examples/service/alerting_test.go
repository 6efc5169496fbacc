package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/examples/internal/demotest"
	"github.com/vitals-go/vitals/internal/logtest"
)

// amAlert is the part of an Alertmanager v2 alert the test reads.
type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	EndsAt      time.Time         `json:"endsAt"`
}

// With -alertmanager, the alerts also go to Alertmanager's v2 API: here a
// loopback server that speaks its POST /api/v2/alerts.
func TestAlertsGoToAlertmanager(t *testing.T) {
	var mu sync.Mutex
	var posted []amAlert
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var batch []amAlert
		if r.Method != http.MethodPost || r.URL.Path != "/api/v2/alerts" || json.NewDecoder(r.Body).Decode(&batch) != nil {
			http.Error(w, "want POST /api/v2/alerts with a JSON list", http.StatusBadRequest)
			return
		}
		mu.Lock()
		posted = append(posted, batch...)
		mu.Unlock()
	}))
	t.Cleanup(am.Close)

	d := demotest.Start(t, run, "-duration", "4s", "-alertmanager", am.URL) // as long as the story's test: time for the breaker to open and close
	records := d.Wait(t)
	mu.Lock()
	defer mu.Unlock()

	byFingerprint := map[string][]amAlert{}
	for _, a := range posted {
		byFingerprint[a.Labels["fingerprint"]] = append(byFingerprint[a.Labels["fingerprint"]], a)
	}
	pages := byFingerprint["breaker:payments"]
	require.GreaterOrEqual(t, len(pages), 2, "firing, then resolved: %v", posted)
	first, last := pages[0], pages[len(pages)-1]
	assert.Equal(t, "page", first.Labels["severity"])
	assert.Equal(t, "orders", first.Labels["service"])
	assert.Equal(t, "payments", first.Labels["breaker"], "a label, for routes and silences")
	assert.True(t, first.EndsAt.After(time.Now()), "firing: ends in the future until refreshed or resolved")
	assert.False(t, last.EndsAt.After(time.Now()), "resolved: ended")

	panicRecord := logtest.One(t, records, logtest.Msg("request panicked"), "the panic")
	var panics []amAlert
	for fp, as := range byFingerprint {
		if as[0].Labels["severity"] == "ticket" {
			panics = append(panics, as...)
			assert.Len(t, fp, 16)
		}
	}
	require.Len(t, panics, 1, "%v", posted)
	assert.Equal(t, "POST /orders", panics[0].Labels["route"])
	assert.Equal(t, panicRecord.Str("request_id"), panics[0].Annotations["request_id"])
}
