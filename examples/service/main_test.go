package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
)

// record is one decoded log line, with its position in the output.
type record struct {
	line int
	m    map[string]any
}

func (r record) str(key string) string { s, _ := r.m[key].(string); return s }

// demo is a run of the program in this process: its log records as they
// come, its stdout, and what a statsd listener received.
type demo struct {
	t       *testing.T
	records chan record
	done    chan error
	stdout  *syncBuffer
	packets chan string
	seen    []record
}

// startDemo runs the program with args on loopback addresses, logs and
// stats captured. The run is bounded by the test's own deadline of 60 s.
func startDemo(t *testing.T, args ...string) *demo {
	t.Helper()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = udp.Close() })
	d := &demo{t: t, records: make(chan record, 1024), done: make(chan error, 1),
		stdout: &syncBuffer{}, packets: make(chan string, 4096)}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, _, err := udp.ReadFrom(buf)
			if err != nil {
				return
			}
			select {
			case d.packets <- string(buf[:n]):
			default:
			}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	logsR, logsW := io.Pipe()
	go func() {
		args = append([]string{"-listen", "127.0.0.1:0", "-statsd", udp.LocalAddr().String(), "-log-level", "info"}, args...)
		d.done <- run(ctx, args, d.stdout, logsW)
		_ = logsW.Close()
	}()
	go func() {
		defer close(d.records)
		sc := bufio.NewScanner(logsR)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for i := 0; sc.Scan(); i++ {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("log line %d is not JSON: %v: %s", i, err, sc.Text())
				continue
			}
			d.records <- record{line: i, m: m}
		}
	}()
	return d
}

// waitFor returns the first record with the message msg, keeping the ones
// before it for the checks.
func (d *demo) waitFor(msg string) record {
	d.t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case r, ok := <-d.records:
			require.True(d.t, ok, "the program ended without logging %q", msg)
			d.seen = append(d.seen, r)
			if r.str("msg") == msg {
				return r
			}
		case <-timeout.C:
			d.t.Fatalf("no %q record within 30 s", msg)
		}
	}
}

// wait waits for the program to end and returns all its records.
func (d *demo) wait() []record {
	d.t.Helper()
	timeout := time.NewTimer(60 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case r, ok := <-d.records:
			if !ok {
				require.NoError(d.t, <-d.done)
				return d.seen
			}
			d.seen = append(d.seen, r)
		case <-timeout.C:
			d.t.Fatal("the program did not end within 60 s")
		}
	}
}

// The self-driven run tells the whole story, in order, in its logs, and
// ends with a summary.
func TestDemoTellsTheStory(t *testing.T) {
	d := startDemo(t, "-duration", "4s")

	listening := d.waitFor("orders service listening")
	code, status := breakers(t, listening.str("breakers"))
	assert.Equal(t, http.StatusOK, code, "all breakers closed at the start")
	require.Len(t, status.Breakers, 1, "/debug/breakers serves the registry")
	assert.Equal(t, "payments", status.Breakers[0].Name)
	assert.Equal(t, "closed", status.Breakers[0].State)

	d.waitFor("breaker opened")
	code, status = breakers(t, listening.str("breakers"))
	if status.Breakers[0].State == "open" { // unless the test was slower than the open period
		assert.Equal(t, http.StatusServiceUnavailable, code, "payments is critical")
		assert.Contains(t, status.Breakers[0].LastError, "503")
	}

	records := d.wait()
	byMsg := map[string][]record{}
	var warns []record
	for _, r := range records {
		byMsg[r.str("msg")] = append(byMsg[r.str("msg")], r)
		if r.str("level") == "WARN" {
			warns = append(warns, r)
		}
	}

	// Access records: request and process IDs on every one.
	access := byMsg["request"]
	require.GreaterOrEqual(t, len(access), 20, "one access record per order")
	statuses := map[float64]int{}
	for _, r := range access {
		assert.Regexp(t, `^[0-9a-f]{32}$`, r.str("request_id"))
		process, _ := r.m["process"].(map[string]any)
		assert.Equal(t, "orders", process["service"])
		assert.NotEmpty(t, process["id"])
		status, _ := r.m["status"].(float64)
		statuses[status]++
	}
	assert.Positive(t, statuses[201], "paid orders")
	assert.Positive(t, statuses[402], "declined cards")
	assert.Positive(t, statuses[202], "orders deferred while the breaker was open")
	assert.Positive(t, statuses[502], "charges failed while payments was down")

	// A declined card is a normal outcome: INFO, in the handler and in the
	// access record.
	require.NotEmpty(t, byMsg["card declined"])
	for _, r := range byMsg["card declined"] {
		assert.Equal(t, "INFO", r.str("level"))
		assert.Equal(t, "insufficient_funds", r.str("reason"))
		assert.NotEmpty(t, r.str("order_id"))
	}
	for _, r := range access {
		if r.m["status"] == float64(402) {
			assert.Equal(t, "INFO", r.str("level"))
		}
	}

	// The breaker opens once: the run's one WARN, saying what tripped it and
	// what to do, with the tripping call's request ID.
	require.Len(t, warns, 1, "one WARN in the whole run: %v", warns)
	opened := warns[0]
	assert.Equal(t, "breaker opened", opened.str("msg"))
	assert.Equal(t, "payments", opened.str("breaker"))
	assert.Equal(t, "5 consecutive failures", opened.str("reason"))
	assert.Equal(t, "calling payments", opened.str("attempted"))
	assert.Contains(t, opened.str("remedy"), "calls to payments are rejected until")
	assert.NotEmpty(t, opened.str("request_id"))
	assert.NotNil(t, opened.m["error"], "the last error")

	// Then it rejects fast (orders deferred), goes half-open and closes.
	require.Len(t, byMsg["breaker half-open"], 1)
	require.Len(t, byMsg["breaker closed"], 1)
	halfOpen, closed := byMsg["breaker half-open"][0], byMsg["breaker closed"][0]
	assert.Equal(t, "half_open", halfOpen.str("to"))
	assert.Equal(t, "closed", closed.str("to"))
	deferred := byMsg["payments breaker is open: order accepted, charge deferred"]
	require.NotEmpty(t, deferred)
	assert.Less(t, opened.line, deferred[0].line)
	assert.Less(t, deferred[0].line, halfOpen.line)
	assert.Less(t, halfOpen.line, closed.line)

	// Errors say what was attempted and how to remedy, and mask the card.
	failed := byMsg["charge failed"]
	require.GreaterOrEqual(t, len(failed), 5, "the failures that tripped the breaker")
	for _, r := range failed {
		assert.Equal(t, "ERROR", r.str("level"))
		e, _ := r.m["error"].(map[string]any)
		require.NotNil(t, e, "error rendered as a group")
		assert.NotEmpty(t, e["attempted"])
		assert.NotEmpty(t, e["remedy"])
		fields, _ := e["fields"].(map[string]any)
		assert.Equal(t, "[REDACTED]", fields["card"])
	}

	// The summary, on stdout.
	out := d.stdout.String()
	assert.Contains(t, out, "Summary of ")
	assert.Regexp(t, `orders: \d+`, out)
	assert.Regexp(t, `201 Created +\d+  paid`, out)
	assert.Regexp(t, `402 Payment Required +\d+  card declined`, out)
	assert.Contains(t, out, "payments breaker: 3 transitions")
	assert.Regexp(t, `closed +-> open +5 consecutive failures`, out)
	assert.Regexp(t, `open +-> half_open`, out)
	assert.Regexp(t, `half_open -> closed`, out)
	m := regexp.MustCompile(`stats to [0-9.:]+: (\d+) sent in (\d+) packets, (\d+) dropped`).FindStringSubmatch(out)
	require.NotNil(t, m, "stats line in:\n%s", out)
	assert.NotEqual(t, "0", m[1], "stats sent")
	assert.Equal(t, "0", m[3], "nothing dropped when statsd listens")

	// The stats reached the statsd address.
	d.waitForStats("orders.http.server.requests", "orders.breaker.payments.state")
}

// breakers gets the registry's status.
func breakers(t *testing.T, url string) (int, breaker.Status) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var status breaker.Status
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&status))
	return resp.StatusCode, status
}

// waitForStats waits until the statsd listener has received every name.
func (d *demo) waitForStats(names ...string) {
	d.t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	var got strings.Builder
	for {
		missing := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return strings.Contains(got.String(), n) })
		if len(missing) == 0 {
			return
		}
		select {
		case p := <-d.packets:
			got.WriteString(p)
			got.WriteByte('\n')
		case <-timeout.C:
			d.t.Fatalf("statsd received none of %q within 10 s", missing)
		}
	}
}

// With -serve the service waits for orders until interrupted, and the
// request ID flows from the caller to the access record.
func TestServeUntilInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer udp.Close()
	var stdout syncBuffer
	logsR, logsW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-serve", "-listen", "127.0.0.1:0", "-statsd", udp.LocalAddr().String(), "-log-level", "info"}, &stdout, logsW)
		_ = logsW.Close()
	}()
	lines := make(chan map[string]any, 64)
	go func() {
		defer close(lines)
		dec := json.NewDecoder(logsR)
		for {
			var m map[string]any
			if dec.Decode(&m) != nil {
				_, _ = io.Copy(io.Discard, logsR)
				return
			}
			lines <- m
		}
	}()
	next := func() map[string]any {
		select {
		case m, ok := <-lines:
			require.True(t, ok, "logs ended early")
			return m
		case <-time.After(30 * time.Second):
			t.Fatal("no log record within 30 s")
		}
		return nil
	}

	listening := next()
	require.Equal(t, "orders service listening", listening["msg"])
	req, err := http.NewRequest(http.MethodPost, listening["orders"].(string),
		strings.NewReader(`{"customer":"c-1","amount_cents":1250,"card":"4242424242424242"}`))
	require.NoError(t, err)
	req.Header.Set("X-Request-ID", "test-order-1")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	assert.Equal(t, "test-order-1", resp.Header.Get("X-Request-ID"))
	assert.Contains(t, string(body), `"status":"paid"`)

	access := next()
	assert.Equal(t, "request", access["msg"])
	assert.Equal(t, "test-order-1", access["request_id"])

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("-serve did not stop within 30 s of the interrupt")
	}
	assert.Regexp(t, `201 Created +1  paid`, stdout.String())
	assert.Contains(t, stdout.String(), "payments breaker: 0 transitions")
}

func TestFlagsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"-log-level", "loud"},
		{"-duration", "10ms"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), args, io.Discard, &stderr)
		assert.Error(t, err, "%v", args)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
