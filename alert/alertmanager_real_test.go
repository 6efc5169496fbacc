package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
)

const alertmanagerEnable = "install Debian's prometheus-alertmanager (scripts/alertmanager install, as root) " +
	"or set VITALS_ALERTMANAGER_BIN to an alertmanager binary; " +
	"VITALS_REQUIRE_ALERTMANAGER=1 makes its absence a failure"

// alertmanagerBin returns the alertmanager binary, or skips the test
// saying how to enable it (fails under VITALS_REQUIRE_ALERTMANAGER=1).
func alertmanagerBin(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("VITALS_ALERTMANAGER_BIN"), "prometheus-alertmanager", "alertmanager"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := "no alertmanager binary found; to run this test: " + alertmanagerEnable
	if os.Getenv("VITALS_REQUIRE_ALERTMANAGER") == "1" {
		t.Fatal("VITALS_REQUIRE_ALERTMANAGER=1 but " + msg)
	}
	t.Skip(msg)
	return ""
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
	r := &receiver{got: make(chan struct{}, 1<<10)}
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

// find returns the alerts received whose label is value, with status.
func (r *receiver) find(label, value, status string) []webhookAlert {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []webhookAlert
	for _, a := range r.alerts {
		if a.Labels[label] == value && a.Status == status {
			out = append(out, a)
		}
	}
	return out
}

// await waits up to 15 s for an alert whose label is value, with status.
func (r *receiver) await(t *testing.T, label, value, status string) webhookAlert {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		if got := r.find(label, value, status); len(got) > 0 {
			return got[0]
		}
		select {
		case <-r.got:
		case <-deadline:
			require.FailNowf(t, "timeout", "no %s alert with %s=%q reached the webhook", status, label, value)
		}
	}
}

// realAlertmanager runs the alertmanager binary on a loopback port, with a
// webhook receiver and short group and resolve times.
type realAlertmanager struct {
	bin, dir, addr, webhook string
	cmd                     *exec.Cmd
}

func startRealAlertmanager(t *testing.T, webhook string) *realAlertmanager {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	am := &realAlertmanager{bin: alertmanagerBin(t), dir: t.TempDir(), addr: addr, webhook: webhook}
	config := fmt.Sprintf(`global:
  resolve_timeout: 1s
route:
  receiver: test
  group_by: [fingerprint]
  group_wait: 100ms
  group_interval: 200ms
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: %s
        send_resolved: true
`, webhook)
	require.NoError(t, os.WriteFile(filepath.Join(am.dir, "alertmanager.yml"), []byte(config), 0o600))
	am.start(t)
	t.Cleanup(am.stop)
	return am
}

func (am *realAlertmanager) url() string { return "http://" + am.addr }

// start runs the binary and waits (bounded) until it is ready.
func (am *realAlertmanager) start(t *testing.T) {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(am.dir, "alertmanager.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	defer logf.Close()
	am.cmd = exec.Command(am.bin,
		"--config.file="+filepath.Join(am.dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(am.dir, "data"),
		"--web.listen-address="+am.addr,
		"--cluster.listen-address=") // no gossip: one instance, no port of its own
	am.cmd.Stdout, am.cmd.Stderr = logf, logf
	require.NoError(t, am.cmd.Start())
	deadline := time.Now().Add(20 * time.Second)
	c := http.Client{Timeout: time.Second}
	for {
		resp, err := c.Get(am.url() + "/-/ready")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(am.dir, "alertmanager.log"))
			require.FailNowf(t, "alertmanager not ready", "after 20s at %s; its log:\n%s", am.addr, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the process (SIGTERM, then SIGKILL after 10 s) and reaps it.
func (am *realAlertmanager) stop() {
	if am.cmd == nil {
		return
	}
	done := make(chan struct{})
	go func() { _ = am.cmd.Wait(); close(done) }()
	_ = am.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = am.cmd.Process.Kill()
		<-done
	}
	am.cmd = nil
}

// active reports whether Alertmanager holds fingerprint as an active alert.
func (am *realAlertmanager) active(t *testing.T, fingerprint string) bool {
	t.Helper()
	resp, err := http.Get(am.url() + "/api/v2/alerts?active=true&filter=" + `fingerprint%3D%22` + fingerprint + `%22`)
	require.NoError(t, err)
	defer resp.Body.Close()
	var alerts []struct {
		Status struct {
			State string `json:"state"`
		} `json:"status"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&alerts))
	return len(alerts) == 1 && alerts[0].Status.State == "active"
}

// TestAlertmanagerReal delivers through the real Alertmanager to a webhook:
// labels and annotations arrive after grouping; an Ongoing alert refreshed
// by the sink stays firing well past resolve_timeout and its own first
// endsAt, while a one-shot alert resolves at LastSeen + Hold; a Resolved
// event resolves the Ongoing one; Alertmanager down is a Transient error,
// and once it is back alerts are delivered again.
func TestAlertmanagerReal(t *testing.T) {
	rcv := newReceiver(t)
	am := startRealAlertmanager(t, rcv.URL)
	const refresh = 300 * time.Millisecond
	sink := newAM(t, alert.AlertmanagerConfig{URL: am.url(), Refresh: refresh, Hold: time.Second})
	ctx := context.Background()

	ongoing := amEvent("real-ongoing", true)
	oneShot := amEvent("real-oneshot", false)
	sentAt := time.Now()
	require.NoError(t, sink.Send(ctx, ongoing))
	require.NoError(t, sink.Send(ctx, oneShot))

	got := rcv.await(t, "fingerprint", "real-ongoing", "firing")
	assert.Equal(t, "billing", got.Labels["service"])
	assert.Equal(t, "page", got.Labels["severity"])
	assert.Equal(t, "payments breaker open", got.Labels["alertname"])
	assert.Equal(t, "req-1", got.Annotations["request_id"])
	assert.Equal(t, "check the payments gateway", got.Annotations["remedy"])
	rcv.await(t, "fingerprint", "real-oneshot", "firing")

	// The one-shot alert resolves by itself at LastSeen + Hold ...
	rcv.await(t, "fingerprint", "real-oneshot", "resolved")
	// ... while the Ongoing one, whose first endsAt (4 refreshes) and
	// resolve_timeout (1 s) are long past, still fires.
	for time.Since(sentAt) < 8*refresh+2*time.Second {
		require.True(t, am.active(t, "real-ongoing"), "the refreshed alert stopped firing")
		require.Empty(t, rcv.find("fingerprint", "real-ongoing", "resolved"))
		time.Sleep(100 * time.Millisecond)
	}

	resolved := ongoing
	resolved.Status = alert.Resolved
	require.NoError(t, sink.Send(ctx, resolved))
	rcv.await(t, "fingerprint", "real-ongoing", "resolved")

	am.stop()
	err := sink.Send(ctx, amEvent("real-after", false))
	require.Error(t, err, "Alertmanager is down")
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err))

	am.start(t)
	require.NoError(t, sink.Send(ctx, amEvent("real-after", false)))
	rcv.await(t, "fingerprint", "real-after", "firing")
}

// TestAlertmanagerRealThroughNotifier: with Alertmanager down, callers of
// Notify are not held up, the failures are counted and the sink's breaker
// opens (later alerts dropped, counted); once it is back, alerts are
// delivered again, led by the message that says what was missed.
func TestAlertmanagerRealThroughNotifier(t *testing.T) {
	rcv := newReceiver(t)
	am := startRealAlertmanager(t, rcv.URL)
	sink := newAM(t, alert.AlertmanagerConfig{URL: am.url()})
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, RateLimit: -1,
		Breaker: breaker.Config{ConsecutiveFailures: 2, OpenDuration: time.Second}})
	ctx := context.Background()
	r.n.Notify(ctx, alert.Alert{Summary: "before the outage"})
	rcv.await(t, "alertname", "before the outage", "firing")

	am.stop()
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

	am.start(t)
	// Alerts flow again once the breaker lets a probe through.
	deadline = time.Now().Add(15 * time.Second)
	for i := 0; len(rcv.find("fingerprint", "alert.sink.alertmanager.missed", "firing")) == 0; i++ {
		require.True(t, time.Now().Before(deadline), "no delivery after Alertmanager came back")
		r.n.Notify(ctx, alert.Alert{Summary: "after the outage " + strconv.Itoa(i)})
		select {
		case <-rcv.got:
		case <-time.After(200 * time.Millisecond):
		}
	}
	note := rcv.find("fingerprint", "alert.sink.alertmanager.missed", "firing")[0]
	assert.Contains(t, note.Annotations["summary"], "missed")
	// The note follows the first success: an alert raised after the outage.
	afterOutage := func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		for _, a := range rcv.alerts {
			if strings.HasPrefix(a.Labels["alertname"], "after the outage ") {
				return true
			}
		}
		return false
	}
	timeout := time.After(15 * time.Second)
	for !afterOutage() {
		select {
		case <-rcv.got:
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
	rcv := newReceiver(t)
	am := startRealAlertmanager(t, rcv.URL)
	const refresh = 2 * time.Second // a refresh's endsAt is 8 s ahead
	sink := newAM(t, alert.AlertmanagerConfig{URL: am.url(), Refresh: refresh})
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}, RateLimit: 1e-6, Burst: 1})
	ctx := context.Background()
	fp := r.n.Fire(ctx, alert.Alert{Summary: "purchases without authorization code", Fingerprint: "dropped-resolve"})
	rcv.await(t, "fingerprint", fp, "firing")

	r.n.Resolve(ctx, fp)
	resolvedAt := time.Now()
	require.Eventually(t, func() bool { _, _, dropped, _ := r.counts(sink.Name()); return dropped == 1 },
		5*time.Second, time.Millisecond, "the resolution was dropped by the rate limit")
	deadline := time.After(5 * time.Second) // the expiry of the last refresh is 6 s or more away
	for len(rcv.find("fingerprint", fp, "resolved")) == 0 {
		select {
		case <-rcv.got:
		case <-deadline:
			require.FailNow(t, "the dropped resolution never reached Alertmanager", "after %v", time.Since(resolvedAt))
		}
	}
	assert.False(t, am.active(t, fp))
	// The sink no longer refreshes it: after more than a refresh period it
	// is still resolved.
	time.Sleep(refresh + 500*time.Millisecond)
	assert.False(t, am.active(t, fp), "a refresh revived the resolved alert")
}
