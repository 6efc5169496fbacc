// Package amtest runs the real Prometheus Alertmanager (Debian's
// prometheus-alertmanager, installed by scripts/alertmanager) on loopback
// for the tests of the alert package and of the vitals command, with a
// webhook receiver that sees what Alertmanager notifies after grouping.
package amtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const alertmanagerEnable = "install Debian's prometheus-alertmanager (scripts/alertmanager install, as root) " +
	"or set VITALS_ALERTMANAGER_BIN to an alertmanager binary; " +
	"VITALS_REQUIRE_ALERTMANAGER=1 makes its absence a failure"

// Bin returns the alertmanager binary, or skips the test
// saying how to enable it (fails under VITALS_REQUIRE_ALERTMANAGER=1).
func Bin(t *testing.T) string {
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

// Alert is one alert of Alertmanager's webhook payload.
type Alert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// Receiver is the webhook Alertmanager notifies, on loopback: it keeps
// every alert of every notification.
type Receiver struct {
	*httptest.Server
	mu     sync.Mutex
	alerts []Alert
	got    chan struct{}
}

// NewReceiver starts a Receiver, closed when the test ends.
func NewReceiver(t *testing.T) *Receiver {
	r := &Receiver{got: make(chan struct{}, 1<<10)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var msg struct {
			Alerts []Alert `json:"alerts"`
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

// Alerts returns every alert received so far.
func (r *Receiver) Alerts() []Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Alert(nil), r.alerts...)
}

// Got has a token after each notification received, for a wait that
// checks again when one arrives.
func (r *Receiver) Got() <-chan struct{} { return r.got }

// Find returns the alerts received whose label is value, with status.
func (r *Receiver) Find(label, value, status string) []Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Alert
	for _, a := range r.alerts {
		if a.Labels[label] == value && a.Status == status {
			out = append(out, a)
		}
	}
	return out
}

// Await waits up to a minute (Alertmanager groups for seconds, and a loaded
// machine is slower) for an alert whose label is value, with status.
func (r *Receiver) Await(t *testing.T, label, value, status string) Alert {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		if got := r.Find(label, value, status); len(got) > 0 {
			return got[0]
		}
		select {
		case <-r.got:
		case <-deadline:
			require.FailNowf(t, "timeout", "no %s alert with %s=%q reached the webhook", status, label, value)
		}
	}
}

// Server is the alertmanager binary on a loopback port of its own,
// notifying a webhook, with short group and resolve times (resolve_timeout
// 1s, group_wait 100ms, group_interval 200ms).
type Server struct {
	bin, dir, addr, webhook string
	cmd                     *exec.Cmd
}

// Start runs a Server notifying webhook and waits (bounded) until it is
// ready; it is stopped when the test ends. Without a binary the test is
// skipped, or failed under VITALS_REQUIRE_ALERTMANAGER=1.
func Start(t *testing.T, webhook string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	am := &Server{bin: Bin(t), dir: t.TempDir(), addr: addr, webhook: webhook}
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
	am.Run(t)
	t.Cleanup(am.Stop)
	return am
}

// URL is the server's base URL, for AlertmanagerConfig.URL.
func (am *Server) URL() string { return "http://" + am.addr }

// Run starts the binary (again, after Stop) and waits (bounded) until it
// is ready.
func (am *Server) Run(t *testing.T) {
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
		resp, err := c.Get(am.URL() + "/-/ready")
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

// Stop ends the process (SIGTERM, then SIGKILL after 10 s) and reaps it.
func (am *Server) Stop() {
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

// Active reports whether Alertmanager holds fingerprint as an active alert.
func (am *Server) Active(t *testing.T, fingerprint string) bool {
	t.Helper()
	resp, err := http.Get(am.URL() + "/api/v2/alerts?active=true&filter=" + `fingerprint%3D%22` + fingerprint + `%22`)
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
