package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/examples/internal/demotest"
	"github.com/vitals-go/vitals/internal/logtest"
	vlog "github.com/vitals-go/vitals/log"
)

// billingRun is one run of the job in this process.
type billingRun struct{ demotest.Result }

// byCustomer returns the records of one customer with the message msg.
func (b billingRun) byCustomer(customer, msg string) []logtest.Record {
	return logtest.Filter(b.Records, logtest.All(logtest.Field("customer", customer), logtest.Msg(msg)))
}

// one returns the single record of a customer with the message msg.
func (b billingRun) one(t *testing.T, customer, msg string) logtest.Record {
	t.Helper()
	return logtest.One(t, b.Records, logtest.All(logtest.Field("customer", customer), logtest.Msg(msg)), customer+" "+msg)
}

// runBilling runs the job for 2026-11 with args.
func runBilling(t *testing.T, args ...string) billingRun {
	t.Helper()
	return billingRun{demotest.RunToEnd(t, run, append([]string{"-period", "2026-11"}, args...)...)}
}

// retries returns the classes of the retry warnings of one customer.
func (b billingRun) retries(customer string) []string {
	var classes []string
	for _, r := range b.byCustomer(customer, "retrying after a failure") {
		classes = append(classes, r.Str("class"))
	}
	return classes
}

func TestBillingRun(t *testing.T) {
	res := runBilling(t)
	require.ErrorIs(t, res.Err, errNeedsHuman, "failed charges make the process exit non-zero")

	// Every record of a charge carries the customer, the amount, the
	// reference and a request ID, from the context. A flood summary counts
	// several charges' records: it names the customer only.
	for _, r := range res.Records {
		if r.Str("customer") == "" || r.Str("msg") == vlog.FloodSummaryMsg {
			continue
		}
		assert.NotEmpty(t, r.Str("amount"), "%v", r)
		assert.True(t, strings.HasPrefix(r.Str("reference"), "fee-2026-11-cus_"), "%v", r)
		assert.Regexp(t, `^[0-9a-f]{32}$`, r.Str("request_id"), "%v", r)
	}

	// Charged at once.
	assert.Equal(t, 1.0, res.one(t, "cus_1001", "charged").Num("attempts"))

	// A declined card: INFO, not retried, no error, and a mail.
	d := res.one(t, "cus_1002", "card declined")
	assert.Equal(t, "INFO", d.Str("level"))
	assert.Equal(t, "insufficient_funds", d.Str("decline_code"))
	assert.Empty(t, res.retries("cus_1002"))
	assert.Empty(t, res.byCustomer("cus_1002", "charge failed: needs a human"))
	m := res.one(t, "cus_1002", "mail queued")
	assert.Equal(t, "grace@example.com", m.Str("to"))
	assert.Contains(t, m.Str("subject"), "did not go through")
	assert.Equal(t, "expired_card", res.one(t, "cus_1010", "card declined").Str("decline_code"))

	// Two 503s are retried, then the charge goes through.
	assert.Equal(t, []string{"transient", "transient"}, res.retries("cus_1003"))
	assert.Equal(t, 3.0, res.one(t, "cus_1003", "charged").Num("attempts"))

	// A timeout with an idempotency key is retried once, and the API
	// answers with the first charge: a double charge prevented.
	assert.Equal(t, []string{"indeterminate"}, res.retries("cus_1004"))
	c := res.one(t, "cus_1004", "charged")
	assert.Equal(t, true, c["double_charge_prevented"])
	assert.Equal(t, 2.0, c.Num("attempts"))

	// The API restarts after cus_1005: the refused connections are
	// retried until it is back.
	refused := res.byCustomer("cus_1006", "retrying after a failure")
	require.NotEmpty(t, refused, "the restart refuses at least the first connection")
	for _, r := range refused {
		assert.Equal(t, "transient", r.Str("class"))
		assert.Contains(t, r.Group("error")["message"], "connection refused")
		assert.Contains(t, r.Str("remedy"), "could not connect")
	}
	res.one(t, "cus_1006", "charged")

	// Failures: what was attempted, the error chain and a remedy that
	// names the way out.
	failures := map[string]string{"cus_1007": "transient", "cus_1008": "indeterminate", "cus_1009": "permanent"}
	for customer, class := range failures {
		f := res.one(t, customer, "charge failed: needs a human")
		assert.Equal(t, "ERROR", f.Str("level"))
		assert.Equal(t, class, f.Str("class"), customer)
		assert.Contains(t, f.Str("attempted"), "charging "+customer+" the 2026-11 fee of ")
		assert.Contains(t, f.Str("remedy"), "-only "+customer)
		e := f.Group("error")
		require.NotNil(t, e, "%s: the error is rendered as a group", customer)
		assert.Equal(t, class, e["class"])
		fields, _ := e["fields"].(map[string]any)
		assert.Equal(t, customer, fields["customer"])
		assert.Equal(t, f.Str("amount"), fields["amount"])
	}
	assert.GreaterOrEqual(t, len(res.retries("cus_1007")), 3, "a 503 that never ends is retried until the budget runs out")
	assert.Contains(t, res.one(t, "cus_1007", "charge failed: needs a human").Group("error")["message"], "gave up after")
	assert.Empty(t, res.retries("cus_1008"), "a timeout without an idempotency key is never repeated")
	assert.Contains(t, res.one(t, "cus_1008", "charge failed: needs a human").Str("remedy"),
		"may have gone through (it had no idempotency key")
	assert.Empty(t, res.retries("cus_1009"), "an invalid charge is never repeated")

	// The summary, as a record and for the operator.
	end := res.Records[len(res.Records)-1]
	assert.Equal(t, "billing run finished", end.Str("msg"))
	assert.Equal(t, "WARN", end.Str("level"))
	for key, want := range map[string]float64{"customers": 10, "charged": 5, "declined": 2, "failed": 3,
		"double_charges_prevented": 1, "ledger_charges": 6, "charged_twice": 0} {
		assert.Equal(t, want, end.Num(key), key)
	}
	assert.Contains(t, res.Stdout, "double charges prevented: 1")
	assert.Contains(t, res.Stdout, "6 charges (USD 364.00), 1 repeated requests answered with the first charge; no customer charged twice")
	assert.Contains(t, res.Stdout, "charged although the job could not tell: cus_1008")

	// The reconciliation check alerts once on the charge without a paid
	// invoice, before the run ends.
	alerts := res.alerts("firing")
	require.Len(t, alerts, 1, "one alert: %v", alerts)
	assert.Equal(t, "cards charged without a paid invoice", alerts[0].Str("msg"))
	assert.Equal(t, "fee-2026-11-cus_1008 (ch_000006)", alerts[0].Str("references"))
	assert.Equal(t, "WARN", alerts[0].Str("level"), "a ticket: look today")
}

// Without idempotency keys, a timed-out charge is never repeated: it needs
// a human, and still nobody is charged twice.
func TestBillingWithoutIdempotencyKeys(t *testing.T) {
	res := runBilling(t, "-idempotency-keys=false", "-only", "cus_1004,cus_1005")
	require.ErrorIs(t, res.Err, errNeedsHuman)
	assert.Empty(t, res.retries("cus_1004"))
	f := res.one(t, "cus_1004", "charge failed: needs a human")
	assert.Equal(t, "indeterminate", f.Str("class"))
	assert.Contains(t, f.Str("remedy"), "search the payments dashboard for reference fee-2026-11-cus_1004")
	res.one(t, "cus_1005", "charged")
	end := res.Records[len(res.Records)-1]
	assert.Equal(t, 0.0, end.Num("double_charges_prevented"))
	assert.Equal(t, 2.0, end.Num("ledger_charges"), "the timed-out charge went through")
	assert.Equal(t, 0.0, end.Num("charged_twice"))
	assert.Contains(t, res.Stdout, "charged although the job could not tell: cus_1004")
	require.Len(t, res.alerts("firing"), 1)
	assert.Equal(t, "fee-2026-11-cus_1004 (ch_000001)", res.alerts("firing")[0].Str("references"))
}

// A run without failures exits 0.
func TestBillingRerunSucceeds(t *testing.T) {
	res := runBilling(t, "-only", "cus_1001,cus_1002")
	require.NoError(t, res.Err)
	end := res.Records[len(res.Records)-1]
	assert.Equal(t, "INFO", end.Str("level"))
	assert.Equal(t, 1.0, end.Num("charged"))
	assert.Equal(t, 1.0, end.Num("declined"))
	assert.Empty(t, res.alerts("firing"), "the books reconcile")
}

func TestBillingFlagsRefused(t *testing.T) {
	demotest.RefusesFlags(t, run,
		[]string{"-period", "November"},
		[]string{"-only", "cus_9999"},
		[]string{"-timeout", "0s"},
		[]string{"-log-level", "loud"},
		[]string{"extra"})
}
