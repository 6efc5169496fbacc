package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
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

// The three records of one quote: the front's access record, the gRPC
// client's and the back end's call record.
func (r record) isAccess() bool { return r.str("msg") == "request" && r.str("route") == "GET /quote" }
func (r record) isClient() bool { return r.str("msg") == "outbound request" }
func (r record) isServer() bool {
	return r.str("component") == "inventory" && strings.HasPrefix(r.str("msg"), "request") && r.m["code"] != nil
}

// demo is a run of the program in this process: its log records as they
// come, its stdout, and what a statsd listener received.
type demo struct {
	t       *testing.T
	records chan record
	done    chan error
	cancel  context.CancelFunc
	stdout  *syncBuffer
	packets chan string
	seen    []record
}

// startDemo runs the program with args on loopback addresses, logs and
// stats captured. The run is bounded by the test's own deadline of 60 s,
// or ends with d.cancel.
func startDemo(t *testing.T, args ...string) *demo {
	t.Helper()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = udp.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	d := &demo{t: t, records: make(chan record, 1024), done: make(chan error, 1), cancel: cancel,
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
		_, _ = io.Copy(io.Discard, logsR)
	}()
	return d
}

// waitFor returns the first record, seen or to come, that match accepts,
// waiting up to 30 s for it.
func (d *demo) waitFor(what string, match func(record) bool) record {
	d.t.Helper()
	for _, r := range d.seen {
		if match(r) {
			return r
		}
	}
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case r, ok := <-d.records:
			require.True(d.t, ok, "the program ended without logging %s", what)
			d.seen = append(d.seen, r)
			if match(r) {
				return r
			}
		case <-timeout.C:
			d.t.Fatalf("no %s record within 30 s", what)
		}
	}
}

// msg matches the records with the message m.
func msg(m string) func(record) bool { return func(r record) bool { return r.str("msg") == m } }

// wait waits for the program to end and returns all its records.
func (d *demo) wait() []record {
	d.t.Helper()
	timeout := time.NewTimer(60 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case r, ok := <-d.records:
			if !ok {
				select {
				case err := <-d.done:
					require.NoError(d.t, err)
				case <-timeout.C:
					d.t.Fatal("the program did not return within 60 s")
				}
				return d.seen
			}
			d.seen = append(d.seen, r)
		case <-timeout.C:
			d.t.Fatal("the program did not end within 60 s")
		}
	}
}

// byRequestID groups the records by request_id.
func byRequestID(records []record) map[string][]record {
	out := map[string][]record{}
	for _, r := range records {
		if id := r.str("request_id"); id != "" {
			out[id] = append(out[id], r)
		}
	}
	return out
}

// only returns the one record of rs that match accepts, failing otherwise.
func only(t *testing.T, what string, rs []record, match func(record) bool) record {
	t.Helper()
	var found []record
	for _, r := range rs {
		if match(r) {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "one %s record among %v", what, rs)
	return found[0]
}

// The self-driven run tells the whole story in its logs and ends with a
// summary.
func TestDemoTellsTheStory(t *testing.T) {
	d := startDemo(t, "-duration", "4s")

	listening := d.waitFor("listening", msg("quotes front listening"))
	code, status := breakers(t, listening.str("breakers"))
	assert.Equal(t, http.StatusOK, code, "the breaker is closed at the start")
	require.Len(t, status.Breakers, 1, "/debug/breakers serves the registry")
	assert.Equal(t, "inventory", status.Breakers[0].Name)
	assert.Equal(t, "closed", status.Breakers[0].State)

	records := d.wait()
	byMsg := map[string][]record{}
	for _, r := range records {
		byMsg[r.str("msg")] = append(byMsg[r.str("msg")], r)
	}
	ids := byRequestID(records)

	// One request ID from the HTTP front through the gRPC client to the
	// back end, for every quote that reached it.
	statuses := map[float64]int{}
	for _, r := range records {
		if !r.isAccess() {
			continue
		}
		id := r.str("request_id")
		assert.Regexp(t, `^[0-9a-f]{32}$`, id)
		s, _ := r.m["status"].(float64)
		statuses[s]++
		if s != http.StatusOK {
			continue
		}
		client := only(t, "gRPC client", ids[id], record.isClient)
		server := only(t, "gRPC server", ids[id], record.isServer)
		assert.Equal(t, "OK", client.str("code"))
		assert.Equal(t, quoteMethod, client.str("method"))
		assert.Equal(t, inventoryTarget, client.str("target"))
		assert.Equal(t, "OK", server.str("code"))
		assert.Equal(t, quoteMethod, server.str("method"))
		assert.Less(t, server.line, client.line, "the back end answers before the client logs")
		assert.Less(t, client.line, r.line, "the client logs before the front answers")
	}
	assert.GreaterOrEqual(t, statuses[200], 20, "quotes priced")
	assert.Positive(t, statuses[404], "unknown SKUs")
	assert.Positive(t, statuses[502], "panics on the corrupt record")
	assert.Positive(t, statuses[503], "outage and open breaker")

	// The handler's own records carry the request ID of the call.
	require.NotEmpty(t, byMsg["stock does not cover the quote"])
	for _, r := range byMsg["stock does not cover the quote"] {
		assert.Equal(t, "INFO", r.str("level"))
		assert.Equal(t, quoteMethod, r.str("method"))
		only(t, "access", ids[r.str("request_id")], record.isAccess)
	}

	// An unknown SKU is an answer on all three sides.
	for _, r := range records {
		if r.isAccess() && r.m["status"] == float64(http.StatusNotFound) {
			id := r.str("request_id")
			assert.Equal(t, "INFO", r.str("level"))
			assert.Equal(t, "NotFound", only(t, "client", ids[id], record.isClient).str("code"))
			assert.Equal(t, "INFO", only(t, "client", ids[id], record.isClient).str("level"))
			assert.Equal(t, "INFO", only(t, "server", ids[id], record.isServer).str("level"))
		}
	}

	// The breaker opens on the outage with one WARN, refuses calls, goes
	// half-open and closes; it is closed at the end.
	require.NotEmpty(t, byMsg["breaker opened"])
	opened := byMsg["breaker opened"][0]
	assert.Equal(t, "WARN", opened.str("level"))
	assert.Equal(t, "inventory", opened.str("breaker"))
	assert.Equal(t, "5 consecutive failures", opened.str("reason"))
	assert.NotEmpty(t, opened.str("remedy"))
	assert.NotEmpty(t, opened.str("request_id"), "the tripping call's request ID")
	require.NotEmpty(t, byMsg["breaker half-open"])
	require.NotEmpty(t, byMsg["breaker closed"])
	assert.Less(t, opened.line, byMsg["breaker half-open"][0].line)
	assert.Less(t, byMsg["breaker half-open"][0].line, byMsg["breaker closed"][0].line)
	var rejected []record
	for _, r := range byMsg["outbound request"] {
		if r.str("code") == "rejected" {
			rejected = append(rejected, r)
		}
	}
	require.NotEmpty(t, rejected, "calls refused while the breaker was open")
	for _, r := range rejected {
		assert.Contains(t, r.str("error"), "circuit breaker is open")
		assert.Equal(t, float64(http.StatusServiceUnavailable), only(t, "access", ids[r.str("request_id")], record.isAccess).m["status"])
	}

	// A panic on the corrupt record: one error record on the back end with
	// the stack; the client got Internal with only the request ID.
	panics := byMsg["request panicked"]
	require.NotEmpty(t, panics)
	for _, p := range panics {
		checkPanic(t, p, ids[p.str("request_id")])
	}

	// The summary, on stdout.
	out := d.stdout.String()
	assert.Contains(t, out, "Summary of ")
	assert.Regexp(t, `quotes: \d+`, out)
	assert.Regexp(t, `200 OK +quoted +\d+  priced`, out)
	assert.Regexp(t, `404 Not Found +unknown_sku +\d+`, out)
	assert.Regexp(t, `503 Service Unavailable +fenced_off +\d+  refused at once`, out)
	assert.Regexp(t, `502 Bad Gateway +inventory_failed +\d+`, out)
	assert.Regexp(t, `closed +-> open +5 consecutive failures`, out)
	assert.Regexp(t, `open +-> half_open`, out)
	assert.Regexp(t, `half_open -> closed`, out)
	assert.Regexp(t, `inventory panics recovered: [1-9]`, out)
	assert.Regexp(t, `stats to [0-9.:]+: 0 dropped\n`, out, "nothing dropped when statsd listens")
	assert.Contains(t, out, "log lines dropped: 0")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	transitions := lines[:0:0]
	for _, l := range lines {
		if strings.Contains(l, " -> ") {
			transitions = append(transitions, l)
		}
	}
	require.NotEmpty(t, transitions)
	assert.Regexp(t, `-> closed`, transitions[len(transitions)-1], "the breaker ends closed")

	// The stats reached the statsd address.
	d.waitForStats("quotes.http.server.requests", "quotes.grpc.client.requests",
		"quotes.grpc.server.requests", "quotes.breaker.inventory.state")
}

// checkPanic checks the records of a quote whose back-end handler panicked.
func checkPanic(t *testing.T, p record, same []record) {
	t.Helper()
	id := p.str("request_id")
	assert.Equal(t, "ERROR", p.str("level"))
	assert.Equal(t, "inventory", p.str("component"))
	assert.Equal(t, "Internal", p.str("code"))
	assert.Contains(t, p.str("error"), "nil pointer dereference")
	assert.NotEmpty(t, p.m["stack"])
	assert.NotEmpty(t, p.str("remedy"))

	client := only(t, "client", same, record.isClient)
	assert.Equal(t, "Internal", client.str("code"))
	assert.True(t, strings.HasSuffix(client.str("error"), "desc = internal error; request_id="+id),
		"the client sees the request ID and nothing of the panic: %s", client.str("error"))
	assert.Equal(t, float64(http.StatusBadGateway), only(t, "access", same, record.isAccess).m["status"])
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
		var missing []string
		for _, n := range names {
			if !strings.Contains(got.String(), n) {
				missing = append(missing, n)
			}
		}
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

// With -serve the front waits for requests until interrupted; a caller's
// request ID reaches the back end, and a panic there reaches the caller as
// its request ID only.
func TestServeUntilInterrupted(t *testing.T) {
	d := startDemo(t, "-serve", "-duration", "60s") // the outage is 18 s away
	listening := d.waitFor("listening", msg("quotes front listening"))
	quote := listening.str("quote")

	code, body, echoed := get(t, quote+"?sku=sku-3&qty=2", "test-quote-1")
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "test-quote-1", echoed)
	assert.JSONEq(t, `{"sku":"sku-3","qty":2,"unit_price_cents":750,"total_cents":1500,"in_stock":true}`, body)
	hasID := func(pred func(record) bool) func(record) bool {
		return func(r record) bool { return r.str("request_id") == "test-quote-1" && pred(r) }
	}
	access := d.waitFor("front access", hasID(record.isAccess))
	client := d.waitFor("gRPC client", hasID(record.isClient))
	server := d.waitFor("gRPC server", hasID(record.isServer))
	assert.Equal(t, float64(http.StatusOK), access.m["status"])
	assert.Equal(t, "OK", client.str("code"))
	assert.Equal(t, "OK", server.str("code"))

	code, body, echoed = get(t, quote+"?sku=sku-13&qty=1", "test-panic-1")
	assert.Equal(t, http.StatusBadGateway, code)
	assert.Equal(t, "test-panic-1", echoed)
	assert.JSONEq(t, `{"error":"inventory failed to quote","request_id":"test-panic-1"}`, body)
	p := d.waitFor("panic", msg("request panicked"))
	assert.Equal(t, "test-panic-1", p.str("request_id"))
	d.waitFor("front access", func(r record) bool { return r.str("request_id") == "test-panic-1" && r.isAccess() })

	code, body, _ = get(t, quote+"?sku=sku-3&qty=1", "")
	assert.Equal(t, http.StatusOK, code, "the back end kept serving: %s", body)

	d.cancel()
	records := d.wait()
	checkPanic(t, p, byRequestID(records)["test-panic-1"])
	out := d.stdout.String()
	assert.Regexp(t, `200 OK +quoted +2  `, out)
	assert.Regexp(t, `502 Bad Gateway +inventory_failed +1  `, out)
	assert.Contains(t, out, "inventory breaker: 0 transitions")
	assert.Contains(t, out, "inventory panics recovered: 1\n    first: "+quoteMethod+" request_id=test-panic-1: runtime error")
}

// get asks url with the request ID id, if any, and returns the status, the
// body and the echoed request ID.
func get(t *testing.T, url, id string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if id != "" {
		req.Header.Set("X-Request-ID", id)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body), resp.Header.Get("X-Request-ID")
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
