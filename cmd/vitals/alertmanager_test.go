package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startAlertmanager runs the real Alertmanager with scripts/alertmanager on
// a free loopback port, notifying webhook, and returns its URL. Without
// the binary the test is skipped, saying how to enable it (failed under
// VITALS_REQUIRE_ALERTMANAGER=1, as in CI).
func startAlertmanager(t *testing.T, webhook string) string {
	t.Helper()
	bin := os.Getenv("VITALS_ALERTMANAGER_BIN")
	if bin == "" {
		bin = "/usr/bin/prometheus-alertmanager"
	}
	if _, err := exec.LookPath(bin); err != nil {
		missing(t, "VITALS_REQUIRE_ALERTMANAGER", "no alertmanager binary at "+bin+"; to run this test: "+
			"scripts/alertmanager install (as root) or set VITALS_ALERTMANAGER_BIN")
	}
	script, err := filepath.Abs("../../scripts/alertmanager")
	require.NoError(t, err)
	dir := t.TempDir()
	start := exec.Command(script, "start", dir)
	start.Env = append(os.Environ(), "VITALS_ALERTMANAGER_BIN="+bin, "VITALS_ALERTMANAGER_PORT=0",
		"VITALS_ALERTMANAGER_WEBHOOK="+webhook, "VITALS_ALERTMANAGER_WAIT=60")
	out, err := start.CombinedOutput()
	require.NoError(t, err, "scripts/alertmanager start: %s", out)
	t.Cleanup(func() { _ = exec.Command(script, "stop", dir).Run() })
	env, err := os.ReadFile(filepath.Join(dir, "port.env"))
	require.NoError(t, err)
	_, port, ok := strings.Cut(strings.TrimSpace(string(env)), "=")
	require.True(t, ok, "port.env: %s", env)
	return "http://127.0.0.1:" + port
}

// missing skips the test for want of a real program, saying how to
// enable it, or fails it when the variable require is 1 (as in CI).
func missing(t *testing.T, require, msg string) {
	t.Helper()
	msg += "; " + require + "=1 makes its absence a failure"
	if os.Getenv(require) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// webhookAlert is one alert of Alertmanager's webhook payload.
type webhookAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// receiver is the webhook Alertmanager notifies, on loopback.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	alerts []webhookAlert
	got    chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var msg struct {
			Alerts []webhookAlert `json:"alerts"`
		}
		if err := json.NewDecoder(req.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.alerts = append(r.alerts, msg.Alerts...)
		r.mu.Unlock()
		select {
		case r.got <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// find returns the alerts received whose fingerprint label is fp, with status.
func (r *receiver) find(fp, status string) []webhookAlert {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []webhookAlert
	for _, a := range r.alerts {
		if a.Labels["fingerprint"] == fp && a.Status == status {
			out = append(out, a)
		}
	}
	return out
}

// await waits (at most a minute: Alertmanager groups for seconds) for an
// alert whose fingerprint label is fp, with status.
func (r *receiver) await(t *testing.T, fp, status string) webhookAlert {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		if got := r.find(fp, status); len(got) > 0 {
			return got[0]
		}
		select {
		case <-r.got:
		case <-deadline:
			require.FailNowf(t, "timeout", "no %s alert with fingerprint %q reached the webhook", status, fp)
		}
	}
}
