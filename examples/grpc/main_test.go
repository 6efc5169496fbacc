package main

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/examples/internal/demotest"
	"github.com/vitals-go/vitals/internal/logtest"
)

// The three records of one quote: the front's access record, the gRPC
// client's and the back end's call record.
func isAccess(r logtest.Record) bool {
	return r.Str("msg") == "request" && r.Str("route") == "GET /quote"
}
func isClient(r logtest.Record) bool { return r.Str("msg") == "outbound request" }
func isServer(r logtest.Record) bool {
	return r.Str("component") == "inventory" && strings.HasPrefix(r.Str("msg"), "request") && r["code"] != nil
}

// The self-driven run tells the whole story in its logs and ends with a
// summary.
func TestDemoTellsTheStory(t *testing.T) {
	d := demotest.Start(t, run, "-duration", "4s", "-log-level", "debug") // debug: the calls an open breaker rejected

	listening := d.WaitFor(t, logtest.Msg("quotes front listening"))
	code, status := demotest.Breakers(t, listening.Str("breakers"))
	assert.Equal(t, http.StatusOK, code, "the breaker is closed at the start")
	require.Len(t, status.Breakers, 1, "/debug/breakers serves the registry")
	assert.Equal(t, "inventory", status.Breakers[0].Name)
	assert.Equal(t, breaker.Closed, status.Breakers[0].State)

	records := d.Wait(t)
	byMsg := demotest.GroupBy(records, "msg")
	ids := demotest.GroupBy(records, "request_id")

	// One request ID from the HTTP front through the gRPC client to the
	// back end, for every quote that reached it.
	statuses := map[float64]int{}
	for _, r := range records {
		if !isAccess(r) {
			continue
		}
		id := r.Str("request_id")
		assert.Regexp(t, `^[0-9a-f]{32}$`, id)
		s := r.Num("status")
		statuses[s]++
		if s != http.StatusOK {
			continue
		}
		client := logtest.One(t, ids[id], isClient, "gRPC client")
		server := logtest.One(t, ids[id], isServer, "gRPC server")
		assert.Equal(t, "OK", client.Str("code"))
		assert.Equal(t, quoteMethod, client.Str("method"))
		assert.Equal(t, inventoryName, client.Str("target"))
		assert.Equal(t, inventoryTarget, client.Str("dial_target"))
		assert.Equal(t, "OK", server.Str("code"))
		assert.Equal(t, quoteMethod, server.Str("method"))
		// ids[id] is in log order, with one record of each kind.
		assert.Less(t, slices.IndexFunc(ids[id], isServer), slices.IndexFunc(ids[id], isClient), "the back end answers before the client logs")
		assert.Less(t, slices.IndexFunc(ids[id], isClient), slices.IndexFunc(ids[id], isAccess), "the client logs before the front answers")
	}
	// How many asks a run makes, and how many meet the outage, depends on
	// the machine's load: a count would flake.
	assert.Positive(t, statuses[http.StatusOK], "quotes priced")
	assert.Positive(t, statuses[404], "unknown SKUs")
	assert.Positive(t, statuses[502], "panics on the corrupt record")
	assert.Positive(t, statuses[503], "outage and open breaker")

	// The handler's own records carry the request ID of the call.
	require.NotEmpty(t, byMsg["stock does not cover the quote"])
	for _, r := range byMsg["stock does not cover the quote"] {
		assert.Equal(t, "INFO", r.Str("level"))
		assert.Equal(t, quoteMethod, r.Str("method"))
		logtest.One(t, ids[r.Str("request_id")], isAccess, "access")
	}

	// An unknown SKU is an answer on all three sides.
	for _, r := range records {
		if isAccess(r) && r.Num("status") == http.StatusNotFound {
			id := r.Str("request_id")
			assert.Equal(t, "INFO", r.Str("level"))
			assert.Equal(t, "NotFound", logtest.One(t, ids[id], isClient, "client").Str("code"))
			assert.Equal(t, "INFO", logtest.One(t, ids[id], isClient, "client").Str("level"))
			assert.Equal(t, "INFO", logtest.One(t, ids[id], isServer, "server").Str("level"))
		}
	}

	// The breaker opens on the outage with one WARN, refuses calls, goes
	// half-open and closes; it is closed at the end.
	require.NotEmpty(t, byMsg["breaker opened"])
	opened := byMsg["breaker opened"][0]
	assert.Equal(t, "WARN", opened.Str("level"))
	assert.Equal(t, "inventory", opened.Str("breaker"))
	assert.Equal(t, "5 consecutive failures", opened.Str("reason"))
	assert.NotEmpty(t, opened.Str("remedy"))
	assert.NotEmpty(t, opened.Str("request_id"), "the tripping call's request ID")
	require.NotEmpty(t, byMsg["breaker half-open"])
	require.NotEmpty(t, byMsg["breaker closed"])
	line := func(msg string) int { return slices.IndexFunc(records, logtest.Msg(msg)) }
	assert.Less(t, line("breaker opened"), line("breaker half-open"))
	assert.Less(t, line("breaker half-open"), line("breaker closed"))
	rejected := logtest.Filter(byMsg["outbound request"], logtest.Field("code", "rejected"))
	require.NotEmpty(t, rejected, "calls refused while the breaker was open")
	for _, r := range rejected {
		assert.Equal(t, "DEBUG", r.Str("level"), "the breaker's WARN announced it opened")
		assert.Contains(t, r.Str("error"), "circuit breaker is open")
		assert.Equal(t, "call "+quoteMethod+" at "+inventoryName, r.Str("attempted"))
		assert.Equal(t, float64(http.StatusServiceUnavailable), logtest.One(t, ids[r.Str("request_id")], isAccess, "access")["status"])
	}

	// A panic on the corrupt record: one error record on the back end with
	// the stack; the client got Internal with only the request ID.
	panics := byMsg["request panicked"]
	require.NotEmpty(t, panics)
	for _, p := range panics {
		checkPanic(t, p, ids[p.Str("request_id")])
	}

	// The summary, on stdout.
	out := d.Stdout.String()
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
	assert.Regexp(t, `stats to [0-9.:]+: [1-9]\d* sent, 0 dropped\n`, out, "stats sent, nothing dropped when statsd listens")
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
	d.WaitForStats(t, "quotes.http.server.requests", "quotes.grpc.client.requests",
		"quotes.grpc.server.requests", "quotes.breaker.inventory.state")
}

// checkPanic checks the records of a quote whose back-end handler panicked.
func checkPanic(t *testing.T, p logtest.Record, same []logtest.Record) {
	t.Helper()
	id := p.Str("request_id")
	assert.Equal(t, "ERROR", p.Str("level"))
	assert.Equal(t, "inventory", p.Str("component"))
	assert.Equal(t, "Internal", p.Str("code"))
	assert.Contains(t, p.Str("error"), "nil pointer dereference")
	assert.NotEmpty(t, p["stack"])
	assert.NotEmpty(t, p.Str("remedy"))

	client := logtest.One(t, same, isClient, "client")
	assert.Equal(t, "Internal", client.Str("code"))
	assert.True(t, strings.HasSuffix(client.Str("error"), "desc = internal error; request_id="+id),
		"the client sees the request ID and nothing of the panic: %s", client.Str("error"))
	assert.Equal(t, float64(http.StatusBadGateway), logtest.One(t, same, isAccess, "access")["status"])
}

// With -serve the front waits for requests until interrupted; a caller's
// request ID reaches the back end, and a panic there reaches the caller as
// its request ID only.
func TestServeUntilInterrupted(t *testing.T) {
	d := demotest.Start(t, run, "-serve", "-duration", "60s") // the outage is 18 s away
	listening := d.WaitFor(t, logtest.Msg("quotes front listening"))
	quote := listening.Str("quote")

	code, body, echoed := get(t, quote+"?sku=sku-3&qty=2", "test-quote-1")
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "test-quote-1", echoed)
	assert.JSONEq(t, `{"sku":"sku-3","qty":2,"unit_price_cents":750,"total_cents":1500,"in_stock":true}`, body)
	hasID := logtest.Field("request_id", "test-quote-1")
	access := d.WaitFor(t, logtest.All(hasID, isAccess))
	client := d.WaitFor(t, logtest.All(hasID, isClient))
	server := d.WaitFor(t, logtest.All(hasID, isServer))
	assert.Equal(t, float64(http.StatusOK), access["status"])
	assert.Equal(t, "OK", client.Str("code"))
	assert.Equal(t, "OK", server.Str("code"))

	code, body, echoed = get(t, quote+"?sku=sku-13&qty=1", "test-panic-1")
	assert.Equal(t, http.StatusBadGateway, code)
	assert.Equal(t, "test-panic-1", echoed)
	assert.JSONEq(t, `{"error":"inventory failed to quote","request_id":"test-panic-1"}`, body)
	p := d.WaitFor(t, logtest.Msg("request panicked"))
	assert.Equal(t, "test-panic-1", p.Str("request_id"))
	d.WaitFor(t, logtest.All(logtest.Field("request_id", "test-panic-1"), isAccess))

	code, body, _ = get(t, quote+"?sku=sku-3&qty=1", "")
	assert.Equal(t, http.StatusOK, code, "the back end kept serving: %s", body)

	d.Cancel()
	records := d.Wait(t)
	checkPanic(t, p, demotest.GroupBy(records, "request_id")["test-panic-1"])
	out := d.Stdout.String()
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
	demotest.RefusesFlags(t, run, []string{"-log-level", "loud"}, []string{"-duration", "10ms"}, []string{"extra"})
}
