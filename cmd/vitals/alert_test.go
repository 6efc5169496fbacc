package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/amtest"
)

// vitals alert delivers through the real Alertmanager: the alert arrives at
// its webhook with the summary, severity, fields and remedy, and --resolve
// resolves it.
func TestAlertThroughAlertmanager(t *testing.T) {
	rcv := amtest.NewReceiver(t)
	am := amtest.Start(t, rcv.URL).URL()

	fire := vitals(t, nil, "alert", "--alertmanager", am, "--severity", "page", "--fingerprint", "cli-purchases",
		"--remedy", "check the promo service", "--service", "billing",
		"purchases without authorization code", "count=12", "oldest=2026-12-06T20:00:00Z")
	require.Equal(t, 0, fire.code, "stderr: %s", fire.stderr)
	assert.Equal(t, "alertmanager: accepted\n", fire.stdout)
	assert.Empty(t, fire.stderr)

	got := rcv.Await(t, "fingerprint", "cli-purchases", "firing")
	assert.Equal(t, "purchases without authorization code", got.Labels["alertname"])
	assert.Equal(t, "page", got.Labels["severity"])
	assert.Equal(t, "billing", got.Labels["service"])
	assert.Equal(t, "check the promo service", got.Annotations["remedy"])
	assert.Equal(t, "12", got.Annotations["count"])
	assert.Equal(t, "2026-12-06T20:00:00Z", got.Annotations["oldest"])

	resolve := vitals(t, []string{"VITALS_ALERTMANAGER_URL=" + am, "VITALS_SERVICE=billing"}, "alert", "--resolve",
		"--severity", "page", "--fingerprint", "cli-purchases", "purchases without authorization code")
	require.Equal(t, 0, resolve.code, "stderr: %s", resolve.stderr)
	assert.Equal(t, "alertmanager: accepted\n", resolve.stdout)
	rcv.Await(t, "fingerprint", "cli-purchases", "resolved")
}

// An unreachable Alertmanager, or one that does not answer within
// --timeout, accepts nothing: exit 3, and the output says why.
func TestAlertUndelivered(t *testing.T) {
	r := vitals(t, nil, "alert", "--alertmanager", "http://127.0.0.1:1", "disk full")
	assertFailure(t, r, 3, "no sink accepted it", "disk full")
	assert.Contains(t, r.stdout, "alertmanager: failed: ")
	assert.Contains(t, r.stdout, "connection refused")

	stuck := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stuck:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(stuck)
	start := time.Now()
	r = vitals(t, nil, "alert", "--timeout", "300ms", "--alertmanager", hang.URL, "disk full")
	assertFailure(t, r, 3, "no sink accepted it")
	assert.Contains(t, r.stdout, "alertmanager: failed: ")
	assert.Less(t, time.Since(start), 20*time.Second, "delivery is bounded by --timeout")
}

// posted is one alert POSTed to a fake Alertmanager.
type posted struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	EndsAt      time.Time         `json:"endsAt"`
}

// fakeAlertmanager keeps the alerts POSTed to its v2 API.
type fakeAlertmanager struct {
	*httptest.Server
	mu     sync.Mutex
	alerts []posted
}

func newFakeAlertmanager(t *testing.T) *fakeAlertmanager {
	f := &fakeAlertmanager{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var alerts []posted
		if r.URL.Path != "/api/v2/alerts" || json.NewDecoder(r.Body).Decode(&alerts) != nil || len(alerts) != 1 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.alerts = append(f.alerts, alerts[0])
		f.mu.Unlock()
	}))
	t.Cleanup(f.Close)
	return f
}

// posted returns the alerts received so far.
func (f *fakeAlertmanager) posted() []posted {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]posted(nil), f.alerts...)
}

// Sinks come from VITALS_* variables, flags win over them, and one sink
// accepting is enough for exit 0 while the other's failure is shown.
func TestAlertSinksFromEnvAndFlags(t *testing.T) {
	good := newFakeAlertmanager(t)
	r := vitals(t, []string{"VITALS_ALERTMANAGER_URL=" + good.URL}, "alert", "queue stuck")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, good.posted(), 1)

	r = vitals(t, []string{"VITALS_ALERTMANAGER_URL=http://127.0.0.1:1"}, "alert", "--alertmanager", good.URL, "queue stuck")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, good.posted(), 2, "the flag wins over the environment")

	r = vitals(t, []string{"VITALS_ALERTMANAGER_URL=" + good.URL, "VITALS_SMTP_ADDR=127.0.0.1:1",
		"VITALS_SMTP_FROM=alerts@example.com", "VITALS_SMTP_TO=ops@example.com"}, "alert", "queue stuck")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "alertmanager: accepted\n")
	assert.Contains(t, r.stdout, "smtp: failed: ")

	r = vitals(t, []string{"VITALS_ALERTMANAGER_URL=" + good.URL, "VITALS_ALERTMANAGER_LABELS=team"}, "alert", "queue stuck", "team=payments", "count=3")
	require.Equal(t, 0, r.code, r.stderr)
	all := good.posted()
	labels := all[len(all)-1].Labels
	assert.Equal(t, "payments", labels["team"], "a field named by --alertmanager-labels is a label")
	assert.NotContains(t, labels, "count")
}

// With no sink configured the alert is written to stderr as a JSON record,
// hostile text escaped, and the command says that no sink was configured.
func TestAlertWithoutSinkGoesToStderr(t *testing.T) {
	r := vitals(t, nil, "alert", "--severity", "page", "--remedy", "rotate the logs", "disk full "+hostile, "host=db1")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "log: accepted\n", r.stdout)
	assert.Contains(t, r.stderr, "no sink configured")
	assert.Contains(t, r.stderr, "VITALS_ALERTMANAGER_URL")
	for _, raw := range []string{"\x1b", "\u0085", "\u202e"} {
		assert.NotContains(t, r.stderr, raw)
	}
	line := r.stderr[strings.Index(r.stderr, "{"):]
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
	assert.Equal(t, "disk full "+hostile, rec["msg"])
	assert.Equal(t, "ERROR", rec["level"])
	assert.Equal(t, "page", rec["severity"])
	assert.Equal(t, "firing", rec["status"])
	assert.Equal(t, "rotate the logs", rec["remedy"])
	assert.Equal(t, "db1", rec["host"])
}

// A command line vitals alert cannot run is a usage error, exit 2, that
// says how to fix it, and sends nothing.
func TestAlertUsageErrors(t *testing.T) {
	fake := newFakeAlertmanager(t)
	am := []string{"VITALS_ALERTMANAGER_URL=" + fake.URL}
	assertFailure(t, vitals(t, am, "alert"), 2, "no SUMMARY given")
	assertFailure(t, vitals(t, am, "alert", " "), 2, "no SUMMARY given")
	assertFailure(t, vitals(t, am, "alert", "disk full", "count"), 2, `the field "count" is not KEY=VALUE`)
	assertFailure(t, vitals(t, am, "alert", "disk full", "=3"), 2, "is not KEY=VALUE")
	assertFailure(t, vitals(t, am, "alert", "--severity", "urgent", "disk full"), 2, `--severity "urgent" is not a severity`, "page")
	assertFailure(t, vitals(t, am, "alert", "--timeout", "-1s", "disk full"), 2, "--timeout -1s is not positive")
	assertFailure(t, vitals(t, am, "alert", "--nope", "disk full"), 2, "-nope", "vitals alert -h")
	assertFailure(t, vitals(t, nil, "alert", "--alertmanager", "127.0.0.1:9093", "disk full"), 2,
		"configuring the sink --alertmanager", "AlertmanagerConfig.URL")
	assertFailure(t, vitals(t, nil, "alert", "--smtp", "127.0.0.1:25", "disk full"), 2, "configuring the sink --smtp", "SMTPConfig.From")
	assert.Empty(t, fake.posted())
}
