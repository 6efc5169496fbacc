package demotest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// prometheusEnable says how to run the tests that need a Prometheus server.
const prometheusEnable = "install Debian's prometheus (scripts/prometheus install, as root) " +
	"or set VITALS_PROMETHEUS_BIN to a prometheus binary; " +
	"VITALS_REQUIRE_PROMETHEUS=1 makes its absence a failure"

// Prometheus is a real Prometheus server on a loopback port of its own,
// scraping one target's /metrics through a forwarder of the test's: the
// forwarder's port is held from the start, so the target can bind a free
// port of its own when it starts, and no other process can take the port
// Prometheus scrapes between the two.
type Prometheus struct {
	URL    string // its HTTP API, e.g. http://127.0.0.1:41234
	dir    string
	cmd    *exec.Cmd
	target atomic.Pointer[url.URL] // where scrapes go; nil answers 503
}

// freeAddr returns a loopback address nothing listens on right now, for a
// server whose address must be known before it starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// StartPrometheus runs the prometheus binary (VITALS_PROMETHEUS_BIN, else
// prometheus on PATH) scraping /metrics every interval through the test's
// forwarder, which answers 503 until [Prometheus.Scrape] names the target;
// it waits up to 30 s until Prometheus has tried a first scrape, and stops
// it when the test ends. Without a binary it skips the test saying how to
// enable it, or fails it under VITALS_REQUIRE_PROMETHEUS=1.
func StartPrometheus(t *testing.T, interval time.Duration) *Prometheus {
	t.Helper()
	bin := prometheusBin(t)
	p := &Prometheus{dir: t.TempDir()}
	forward := httptest.NewServer(p.forwarder(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(p.target.Load()) },
	}))
	t.Cleanup(forward.Close)
	target := strings.TrimPrefix(forward.URL, "http://")
	addr := freeAddr(t)
	p.URL = "http://" + addr
	config := fmt.Sprintf(`global:
  scrape_interval: %[1]s
  scrape_timeout: %[1]s
scrape_configs:
  - job_name: vitals
    static_configs:
      - targets: [%[2]q]
`, model(interval), target)
	require.NoError(t, os.WriteFile(filepath.Join(p.dir, "prometheus.yml"), []byte(config), 0o600))
	logf, err := os.Create(filepath.Join(p.dir, "prometheus.log"))
	require.NoError(t, err)
	defer logf.Close()
	p.cmd = exec.Command(bin, "--config.file="+filepath.Join(p.dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(p.dir, "data"), "--web.listen-address="+addr)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	require.NoError(t, p.cmd.Start())
	t.Cleanup(p.stop)

	// Ready, and then the first scrape attempt: Prometheus hands new
	// targets to its scrapers about 5 s after start, so a target that
	// started earlier would miss its first seconds.
	deadline := time.Now().Add(30 * time.Second)
	c := http.Client{Timeout: time.Second}
	for !p.ready(&c) || len(p.Query(t, `up{job="vitals"}`)) == 0 {
		if time.Now().After(deadline) {
			require.FailNowf(t, "prometheus not scraping", "after 30s at %s; its log:\n%s", addr, p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}

// Scrape sends Prometheus' scrapes to the server at addr (host:port) from
// now on.
func (p *Prometheus) Scrape(addr string) { p.target.Store(&url.URL{Scheme: "http", Host: addr}) }

// forwarder answers 503 while no target is named, and hands the request to
// next otherwise.
func (p *Prometheus) forwarder(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.target.Load() == nil {
			http.Error(w, "no target yet", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ready reports whether the server answers its readiness probe.
func (p *Prometheus) ready(c *http.Client) bool {
	resp, err := c.Get(p.URL + "/-/ready")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// model writes d as a Prometheus duration (whole milliseconds).
func model(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + "ms" }

func prometheusBin(t *testing.T) string {
	t.Helper()
	for _, c := range []string{os.Getenv("VITALS_PROMETHEUS_BIN"), "prometheus"} {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := "no prometheus binary found; to run this test: " + prometheusEnable
	if os.Getenv("VITALS_REQUIRE_PROMETHEUS") == "1" {
		t.Fatal("VITALS_REQUIRE_PROMETHEUS=1 but " + msg)
	}
	t.Skip(msg)
	return ""
}

// Log returns what the server logged so far, for a failure message.
func (p *Prometheus) Log() string {
	out, _ := os.ReadFile(filepath.Join(p.dir, "prometheus.log"))
	return string(out)
}

// Sample is one series of an instant query's answer.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Query runs the PromQL expression q at the current time through the HTTP
// API (/api/v1/query) and returns its samples, failing the test on an error
// or an answer that is not an instant vector.
func (p *Prometheus) Query(t *testing.T, q string) []Sample {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(p.URL + "/api/v1/query?query=" + url.QueryEscape(q))
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, "success", body.Status, "query %s: %s", q, body.Error)
	require.Equal(t, "vector", body.Data.ResultType, "query %s", q)
	out := make([]Sample, len(body.Data.Result))
	for i, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err, "query %s: value %v", q, r.Value)
		out[i] = Sample{Labels: r.Metric, Value: v}
	}
	return out
}

// stop ends the server (SIGTERM, then SIGKILL after 10 s) and reaps it.
func (p *Prometheus) stop() {
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}
