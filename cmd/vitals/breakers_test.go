package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
)

// hostile holds a terminal escape, a C1 control and a bidi override.
const hostile = "evil\x1b[2J\u0085\u202ename"

// serveRegistry serves reg's Handler on loopback and returns its URL.
func serveRegistry(t *testing.T, reg *breaker.Registry) string {
	t.Helper()
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	return srv.URL + "/debug/breakers"
}

// newBreaker registers a breaker named name in reg.
func newBreaker(t *testing.T, reg *breaker.Registry, name string, critical bool) *breaker.Breaker {
	t.Helper()
	b, err := reg.New(breaker.Config{Name: name, Critical: critical, ConsecutiveFailures: 1,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return b
}

// assertEscaped checks that out shows hostile escaped, never raw.
func assertEscaped(t *testing.T, out string) {
	t.Helper()
	for _, raw := range []string{"\x1b", "\u0085", "\u202e"} {
		assert.NotContains(t, out, raw)
	}
	assert.Contains(t, out, `evil\x1b[2J\u0085\u202ename`)
}

// A healthy or degraded registry exits 0 with one line per breaker; the
// service's text is escaped.
func TestBreakersTable(t *testing.T) {
	reg := breaker.NewRegistry()
	newBreaker(t, reg, "payments", true)
	evil := newBreaker(t, reg, hostile, false)
	evil.ForceOpen("maintenance " + hostile)
	opened := newBreaker(t, reg, "search", false)
	ticket, err := opened.Allow(t.Context())
	require.NoError(t, err)
	ticket.Done(errors.New("search timed out " + hostile))
	require.Equal(t, breaker.Open, opened.State())

	r := vitals(t, nil, "breakers", serveRegistry(t, reg))
	require.Equal(t, 0, r.code, "no critical breaker is open; stderr: %s", r.stderr)
	assert.Empty(t, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 5, r.stdout)
	assert.Equal(t, "status: degraded, 3 breakers", lines[0])
	assert.Regexp(t, `^NAME +STATE +CRITICAL +SINCE +REASON +RESUMES +LAST ERROR$`, lines[1])
	assert.Regexp(t, `^"evil.* +forced_open +- +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\d+s ago\) +"forced open: maintenance evil.* +when reset +-$`, lines[2])
	assert.Regexp(t, `^payments +closed +yes +.* ago\) +.* +- +-$`, lines[3])
	assert.Regexp(t, `^search +open +- +.* ago\) .* +\S+ \S+ \(in \d+s\) +"search timed out evil`, lines[4])
	assertEscaped(t, r.stdout)
}

// A critical breaker open makes the endpoint answer 503: the table is still
// printed and the exit status is 1.
func TestBreakersCriticalOpenExits1(t *testing.T) {
	reg := breaker.NewRegistry()
	newBreaker(t, reg, "payments", true).ForceOpen("card processor down")
	newBreaker(t, reg, "search", false)

	r := vitals(t, nil, "breakers", serveRegistry(t, reg))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "status: unavailable, 2 breakers")
	assert.Regexp(t, `(?m)^payments +forced_open +yes .* card processor down +when reset`, r.stdout)
	assert.Contains(t, r.stderr, "a critical breaker is open")
}

// --json prints the status as the handler serves it; VITALS_BREAKERS_URL
// stands in for the URL argument, flags go before or after it.
func TestBreakersJSONAndEnv(t *testing.T) {
	reg := breaker.NewRegistry()
	newBreaker(t, reg, hostile, false)
	url := serveRegistry(t, reg)

	r := vitals(t, []string{"VITALS_BREAKERS_URL=" + url}, "breakers", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "\u0085")
	assert.NotContains(t, r.stdout, "\u202e")
	var st breaker.Status
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st), "--json prints valid JSON")
	require.Len(t, st.Breakers, 1)
	assert.Equal(t, hostile, st.Breakers[0].Name, "the escapes decode to the name")
	assert.Contains(t, r.stdout, `"status": "ok"`)
	assert.Contains(t, r.stdout, `"name": "evil\u001b[2J\u0085\u202ename"`, "C1 and bidi characters are escaped as JSON escapes controls")

	after := vitals(t, nil, "breakers", url, "--timeout", "5s")
	assert.Equal(t, 0, after.code, after.stderr)
	assert.Contains(t, after.stdout, "status: ok, 1 breakers")
}

// The table cuts a long reason; --json prints it in full.
func TestBreakersLongTextCutInTableOnly(t *testing.T) {
	reg := breaker.NewRegistry()
	long := strings.Repeat("x", 500)
	newBreaker(t, reg, "payments", false).ForceOpen(long)
	url := serveRegistry(t, reg)

	table := vitals(t, nil, "breakers", url)
	require.Equal(t, 0, table.code, table.stderr)
	assert.NotContains(t, table.stdout, long)
	assert.Regexp(t, `"forced open: x+\.\.\."`, table.stdout)
	assert.Less(t, len(table.stdout), 400)

	full := vitals(t, nil, "breakers", "--json", url)
	require.Equal(t, 0, full.code, full.stderr)
	assert.Contains(t, full.stdout, "forced open: "+long)
}

// An endpoint that cannot be read exits 3 with what was attempted and how
// to fix it.
func TestBreakersUnreadableEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String() + "/debug/breakers"
	require.NoError(t, ln.Close())
	assertFailure(t, vitals(t, nil, "breakers", closed), 3, "reading the breaker status at "+closed, "check that the service runs")

	mux := http.NewServeMux()
	mux.HandleFunc("/html", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>" + hostile + "</html>")) })
	mux.HandleFunc("/other-json", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"ok":true}`)) })
	mux.HandleFunc("/500", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "boom "+hostile, http.StatusInternalServerError)
	})
	mux.HandleFunc("/503-html", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for path, want := range map[string]string{
		"/html":       "not a breaker Registry's JSON status",
		"/other-json": `no "status" field`,
		"/missing":    "the server answered 404 Not Found",
		"/500":        "the server answered 500 Internal Server Error",
		"/503-html":   "not a breaker Registry's JSON status",
	} {
		r := vitals(t, nil, "breakers", srv.URL+path)
		assertFailure(t, r, 3, "reading the breaker status at "+srv.URL+path, want, "Registry.Handler")
		assert.NotContains(t, r.stderr, "\x1b", path)
		assert.NotContains(t, r.stderr, "\u202e", path)
	}
	assertFailure(t, vitals(t, []string{"VITALS_TIMEOUT=300ms"}, "breakers", srv.URL+"/slow"), 3, "did not answer within 300ms", "--timeout")
}

// The examples/service program's /debug/breakers, served by the real
// program: its critical payments breaker, closed at the start.
func TestBreakersOfTheServiceExample(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	service := exec.Command(bin["service"], "-serve", "-listen", addr, "-statsd", "127.0.0.1:9")
	require.NoError(t, service.Start())
	t.Cleanup(func() {
		service.Process.Kill()
		service.Wait()
	})

	url := "http://" + addr + "/debug/breakers"
	var r result
	deadline := time.Now().Add(15 * time.Second)
	for r = vitals(t, nil, "breakers", url); r.code == 3 && time.Now().Before(deadline); r = vitals(t, nil, "breakers", url) {
		time.Sleep(100 * time.Millisecond) // the service is starting; each try is a process run anyway
	}
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "status: ok, 1 breakers")
	assert.Regexp(t, `(?m)^payments +closed +yes `, r.stdout)
}
