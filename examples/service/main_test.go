package main

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/examples/internal/demotest"
	"github.com/vitals-go/vitals/internal/logtest"
)

// The self-driven run tells the whole story, in order, in its logs, and
// ends with a summary.
func TestDemoTellsTheStory(t *testing.T) {
	d := demotest.Start(t, run, "-duration", "4s")

	listening := d.WaitFor(t, logtest.Msg("orders service listening"))
	code, status := demotest.Breakers(t, listening.Str("breakers"))
	assert.Equal(t, http.StatusOK, code, "all breakers closed at the start")
	require.Len(t, status.Breakers, 1, "/debug/breakers serves the registry")
	assert.Equal(t, "payments", status.Breakers[0].Name)
	assert.Equal(t, breaker.Closed, status.Breakers[0].State)

	d.WaitFor(t, logtest.Msg("breaker opened"))
	code, status = demotest.Breakers(t, listening.Str("breakers"))
	if status.Breakers[0].State == breaker.Open { // unless the test was slower than the open period
		assert.Equal(t, http.StatusServiceUnavailable, code, "payments is critical")
		require.Error(t, status.Breakers[0].LastError)
		assert.Contains(t, status.Breakers[0].LastError.Error(), "503")
	}

	records := d.Wait(t)
	byMsg := demotest.GroupBy(records, "msg")
	alerts := logtest.Filter(records, logtest.Field("alert", true))
	warns := logtest.Filter(records, func(r logtest.Record) bool { return r.Str("level") == "WARN" && r["alert"] == nil })
	// line is the position in the log of the first record with the message msg.
	line := func(msg string) int { return slices.IndexFunc(records, logtest.Msg(msg)) }

	// Access records: request and process IDs on every one.
	access := byMsg["request"]
	require.GreaterOrEqual(t, len(access), 20, "one access record per order")
	statuses := map[float64]int{}
	for _, r := range access {
		assert.Regexp(t, `^[0-9a-f]{32}$`, r.Str("request_id"))
		process := r.Group("process")
		assert.Equal(t, "orders", process["service"])
		assert.NotEmpty(t, process["id"])
		statuses[r.Num("status")]++
	}
	assert.Positive(t, statuses[201], "paid orders")
	assert.Positive(t, statuses[402], "declined cards")
	assert.Positive(t, statuses[202], "orders deferred while the breaker was open")
	assert.Positive(t, statuses[502], "charges failed while payments was down")

	// A declined card is a normal outcome: INFO, in the handler and in the
	// access record.
	require.NotEmpty(t, byMsg["card declined"])
	for _, r := range byMsg["card declined"] {
		assert.Equal(t, "INFO", r.Str("level"))
		assert.Equal(t, "insufficient_funds", r.Str("reason"))
		assert.NotEmpty(t, r.Str("order_id"))
	}
	for _, r := range logtest.Filter(access, logtest.Field("status", 402)) {
		assert.Equal(t, "INFO", r.Str("level"))
	}

	// The gift card's bug: the panic is answered 500 with the request ID,
	// logged with its stack, and raises one alert (a ticket) through the
	// access log's OnPanic hook.
	panicked := logtest.One(t, records, logtest.Msg("request panicked"), "the access record of the panic")
	assert.Equal(t, "ERROR", panicked.Str("level"))
	assert.Equal(t, 500.0, panicked.Num("status"))
	panicAlert := logtest.One(t, alerts, logtest.Field("severity", "ticket"), "the panic's alert")
	assert.Equal(t, "panic in POST /orders", panicAlert.Str("msg"))
	assert.Equal(t, "run POST /orders: panic: assignment to entry in nil map", panicAlert.Str("error"))
	assert.Equal(t, "WARN", panicAlert.Str("level"))
	assert.Equal(t, panicked.Str("request_id"), panicAlert.Str("request_id"))
	assert.Equal(t, "POST /orders", panicAlert.Str("route"))
	assert.Contains(t, panicAlert.Str("panic_site"), "(*giftCards).redeem")

	// The payments breaker is critical: its opening pages (an ERROR
	// record with alert=true) and its closing resolves the page.
	pages := logtest.Filter(alerts, logtest.Field("fingerprint", "breaker:payments"))
	require.Len(t, pages, 2, "firing, then resolved: %v", pages)
	assert.Equal(t, "firing", pages[0].Str("status"))
	assert.Equal(t, "ERROR", pages[0].Str("level"))
	assert.Equal(t, "payments breaker open", pages[0].Str("msg"))
	assert.Equal(t, "page", pages[0].Str("severity"))
	assert.NotEmpty(t, pages[0].Str("request_id"), "the call that opened it")
	assert.Contains(t, pages[0].Str("error"), "503")
	assert.Equal(t, "resolved", pages[1].Str("status"))
	assert.Equal(t, "INFO", pages[1].Str("level"))
	assert.Len(t, alerts, 3, "nothing else alerts")

	// The breaker opens once: the run's one WARN besides the alert, saying what tripped it and
	// what to do, with the tripping call's request ID.
	require.Len(t, warns, 1, "one WARN in the whole run: %v", warns)
	opened := warns[0]
	assert.Equal(t, "breaker opened", opened.Str("msg"))
	assert.Equal(t, "payments", opened.Str("breaker"))
	assert.Equal(t, "5 consecutive failures", opened.Str("reason"))
	assert.Equal(t, "calling payments", opened.Str("attempted"))
	assert.Contains(t, opened.Str("remedy"), "calls to payments are rejected until")
	assert.NotEmpty(t, opened.Str("request_id"))
	assert.NotNil(t, opened["error"], "the last error")

	// Then it rejects fast (orders deferred), goes half-open and closes.
	require.Len(t, byMsg["breaker half-open"], 1)
	require.Len(t, byMsg["breaker closed"], 1)
	halfOpen, closed := byMsg["breaker half-open"][0], byMsg["breaker closed"][0]
	assert.Equal(t, "half_open", halfOpen.Str("to"))
	assert.Equal(t, "closed", closed.Str("to"))
	// The breaker logs its transitions on a goroutine of its own, so a call
	// it rejected can be logged before "breaker opened": the log orders the
	// transitions among themselves, and each deferred order proves by its
	// retry_in that it was rejected inside the open period.
	assert.Less(t, line("breaker opened"), line("breaker half-open"))
	assert.Less(t, line("breaker half-open"), line("breaker closed"))
	period := regexp.MustCompile(`\(for ([0-9.]+m?s)\)`).FindStringSubmatch(opened.Str("remedy"))
	require.NotNil(t, period, "open period in the remedy: %s", opened.Str("remedy"))
	open, err := time.ParseDuration(period[1])
	require.NoError(t, err)
	const deferred = "payments breaker is open: order accepted, charge deferred"
	require.NotEmpty(t, byMsg[deferred])
	for _, r := range byMsg[deferred] {
		wait, err := time.ParseDuration(r.Str("retry_in"))
		require.NoError(t, err, "retry_in of %v", r)
		assert.True(t, wait >= 0 && wait <= open, "retry_in %s within the open period %s", wait, open)
	}

	// Errors say what was attempted and how to remedy, and mask the card.
	failed := byMsg["charge failed"]
	require.GreaterOrEqual(t, len(failed), 5, "the failures that tripped the breaker")
	for _, r := range failed {
		assert.Equal(t, "ERROR", r.Str("level"))
		e := r.Group("error")
		require.NotNil(t, e, "error rendered as a group")
		assert.NotEmpty(t, e["attempted"])
		assert.NotEmpty(t, e["remedy"])
		fields, _ := e["fields"].(map[string]any)
		assert.Equal(t, "[REDACTED]", fields["card"])
	}

	// The summary, on stdout.
	out := d.Stdout.String()
	assert.Contains(t, out, "Summary of ")
	assert.Regexp(t, `orders: \d+`, out)
	assert.Regexp(t, `201 Created +\d+  paid`, out)
	assert.Regexp(t, `402 Payment Required +\d+  card declined`, out)
	assert.Contains(t, out, "payments breaker: 3 transitions")
	assert.Regexp(t, `closed +-> open +5 consecutive failures`, out)
	assert.Regexp(t, `open +-> half_open`, out)
	assert.Regexp(t, `half_open -> closed`, out)
	m := regexp.MustCompile(`stats to [0-9.:]+: (\d+) sent, (\d+) dropped`).FindStringSubmatch(out)
	require.NotNil(t, m, "stats line in:\n%s", out)
	assert.NotEqual(t, "0", m[1], "stats sent")
	assert.Equal(t, "0", m[2], "nothing dropped when statsd listens")

	// The stats reached the statsd address.
	d.WaitForStats(t, "orders.http.server.requests", "orders.breaker.payments.state")
}

// With -serve the service waits for orders until interrupted, and the
// request ID flows from the caller to the access record.
func TestServeUntilInterrupted(t *testing.T) {
	d := demotest.Start(t, run, "-serve")

	first := d.Logs.Wait(t, logtest.All(), 1)[0]
	require.Equal(t, "orders service listening", first.Str("msg"))
	req, err := http.NewRequest(http.MethodPost, first.Str("orders"),
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

	access := d.Logs.Wait(t, logtest.All(), 2)[1]
	assert.Equal(t, "request", access.Str("msg"))
	assert.Equal(t, "test-order-1", access.Str("request_id"))

	d.Cancel()
	d.Wait(t)
	assert.Regexp(t, `201 Created +1  paid`, d.Stdout.String())
	assert.Contains(t, d.Stdout.String(), "payments breaker: 0 transitions")
}

func TestFlagsRefused(t *testing.T) {
	demotest.RefusesFlags(t, run, []string{"-log-level", "loud"}, []string{"-duration", "10ms"}, []string{"extra"},
		[]string{"-metrics", "prometheus"})
}
