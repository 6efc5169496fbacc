package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// record is one decoded log line.
type record map[string]any

func (r record) str(key string) string  { s, _ := r[key].(string); return s }
func (r record) num(key string) float64 { n, _ := r[key].(float64); return n }

// errorGroup is the errctx group rendered under "error".
func (r record) errorGroup() map[string]any { g, _ := r["error"].(map[string]any); return g }

// billingRun is one run of the job in this process.
type billingRun struct {
	err     error
	stdout  string
	records []record
}

// byCustomer returns the records of one customer with the message msg.
func (b billingRun) byCustomer(customer, msg string) []record {
	var out []record
	for _, r := range b.records {
		if r.str("customer") == customer && r.str("msg") == msg {
			out = append(out, r)
		}
	}
	return out
}

// one returns the single record of a customer with the message msg.
func (b billingRun) one(t *testing.T, customer, msg string) record {
	t.Helper()
	rs := b.byCustomer(customer, msg)
	require.Len(t, rs, 1, "%s: %q records", customer, msg)
	return rs[0]
}

// runBilling runs the job with args, bounded to 30 s, and decodes its logs.
func runBilling(t *testing.T, args ...string) billingRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-period", "2026-11"}, args...), &stdout, &stderr) }()
	var res billingRun
	select {
	case res.err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the job did not end within 30 s")
	}
	res.stdout = stdout.String()
	sc := bufio.NewScanner(strings.NewReader(stderr.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var r record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), "log line is not JSON: %s", sc.Text())
		res.records = append(res.records, r)
	}
	return res
}

// retries returns the classes of the retry warnings of one customer.
func (b billingRun) retries(customer string) []string {
	var classes []string
	for _, r := range b.byCustomer(customer, "retrying after a failure") {
		classes = append(classes, r.str("class"))
	}
	return classes
}

func TestBillingRun(t *testing.T) {
	res := runBilling(t)
	require.ErrorIs(t, res.err, errNeedsHuman, "failed charges make the process exit non-zero")

	// Every record of a charge carries the customer, the amount, the
	// reference and a request ID, from the context.
	for _, r := range res.records {
		if r.str("customer") == "" {
			continue
		}
		assert.NotEmpty(t, r.str("amount"), "%v", r)
		assert.True(t, strings.HasPrefix(r.str("reference"), "fee-2026-11-cus_"), "%v", r)
		assert.Regexp(t, `^[0-9a-f]{32}$`, r.str("request_id"), "%v", r)
	}

	// Charged at once.
	assert.Equal(t, 1.0, res.one(t, "cus_1001", "charged").num("attempts"))

	// A declined card: INFO, not retried, no error, and a mail.
	d := res.one(t, "cus_1002", "card declined")
	assert.Equal(t, "INFO", d.str("level"))
	assert.Equal(t, "insufficient_funds", d.str("decline_code"))
	assert.Empty(t, res.retries("cus_1002"))
	assert.Empty(t, res.byCustomer("cus_1002", "charge failed: needs a human"))
	m := res.one(t, "cus_1002", "mail queued")
	assert.Equal(t, "grace@example.com", m.str("to"))
	assert.Contains(t, m.str("subject"), "did not go through")
	assert.Equal(t, "expired_card", res.one(t, "cus_1010", "card declined").str("decline_code"))

	// Two 503s are retried, then the charge goes through.
	assert.Equal(t, []string{"transient", "transient"}, res.retries("cus_1003"))
	assert.Equal(t, 3.0, res.one(t, "cus_1003", "charged").num("attempts"))

	// A timeout with an idempotency key is retried once, and the API
	// answers with the first charge: a double charge prevented.
	assert.Equal(t, []string{"indeterminate"}, res.retries("cus_1004"))
	c := res.one(t, "cus_1004", "charged")
	assert.Equal(t, true, c["double_charge_prevented"])
	assert.Equal(t, 2.0, c.num("attempts"))

	// The API restarts after cus_1005: the refused connections are
	// retried until it is back.
	refused := res.byCustomer("cus_1006", "retrying after a failure")
	require.NotEmpty(t, refused, "the restart refuses at least the first connection")
	for _, r := range refused {
		assert.Equal(t, "transient", r.str("class"))
		assert.Contains(t, r.errorGroup()["message"], "connection refused")
		assert.Contains(t, r.str("remedy"), "could not connect")
	}
	res.one(t, "cus_1006", "charged")

	// Failures: what was attempted, the error chain and a remedy that
	// names the way out.
	failures := map[string]string{"cus_1007": "transient", "cus_1008": "indeterminate", "cus_1009": "permanent"}
	for customer, class := range failures {
		f := res.one(t, customer, "charge failed: needs a human")
		assert.Equal(t, "ERROR", f.str("level"))
		assert.Equal(t, class, f.str("class"), customer)
		assert.Contains(t, f.str("attempted"), "charging "+customer+" the 2026-11 fee of ")
		assert.Contains(t, f.str("remedy"), "-only "+customer)
		e := f.errorGroup()
		require.NotNil(t, e, "%s: the error is rendered as a group", customer)
		assert.Equal(t, class, e["class"])
		fields, _ := e["fields"].(map[string]any)
		assert.Equal(t, customer, fields["customer"])
		assert.Equal(t, f.str("amount"), fields["amount"])
	}
	assert.GreaterOrEqual(t, len(res.retries("cus_1007")), 3, "a 503 that never ends is retried until the budget runs out")
	assert.Contains(t, res.one(t, "cus_1007", "charge failed: needs a human").errorGroup()["message"], "gave up after")
	assert.Empty(t, res.retries("cus_1008"), "a timeout without an idempotency key is never repeated")
	assert.Contains(t, res.one(t, "cus_1008", "charge failed: needs a human").str("remedy"),
		"may have gone through (it had no idempotency key")
	assert.Empty(t, res.retries("cus_1009"), "an invalid charge is never repeated")

	// The summary, as a record and for the operator.
	end := res.records[len(res.records)-1]
	assert.Equal(t, "billing run finished", end.str("msg"))
	assert.Equal(t, "WARN", end.str("level"))
	for key, want := range map[string]float64{"customers": 10, "charged": 5, "declined": 2, "failed": 3,
		"double_charges_prevented": 1, "ledger_charges": 6, "charged_twice": 0} {
		assert.Equal(t, want, end.num(key), key)
	}
	assert.Contains(t, res.stdout, "double charges prevented: 1")
	assert.Contains(t, res.stdout, "6 charges (USD 364.00), 1 repeated requests answered with the first charge; no customer charged twice")
	assert.Contains(t, res.stdout, "charged although the job could not tell: cus_1008")
}

// Without idempotency keys, a timed-out charge is never repeated: it needs
// a human, and still nobody is charged twice.
func TestBillingWithoutIdempotencyKeys(t *testing.T) {
	res := runBilling(t, "-idempotency-keys=false", "-only", "cus_1004,cus_1005")
	require.ErrorIs(t, res.err, errNeedsHuman)
	assert.Empty(t, res.retries("cus_1004"))
	f := res.one(t, "cus_1004", "charge failed: needs a human")
	assert.Equal(t, "indeterminate", f.str("class"))
	assert.Contains(t, f.str("remedy"), "search the payments dashboard for reference fee-2026-11-cus_1004")
	res.one(t, "cus_1005", "charged")
	end := res.records[len(res.records)-1]
	assert.Equal(t, 0.0, end.num("double_charges_prevented"))
	assert.Equal(t, 2.0, end.num("ledger_charges"), "the timed-out charge went through")
	assert.Equal(t, 0.0, end.num("charged_twice"))
	assert.Contains(t, res.stdout, "charged although the job could not tell: cus_1004")
}

// A run without failures exits 0.
func TestBillingRerunSucceeds(t *testing.T) {
	res := runBilling(t, "-only", "cus_1001,cus_1002")
	require.NoError(t, res.err)
	end := res.records[len(res.records)-1]
	assert.Equal(t, "INFO", end.str("level"))
	assert.Equal(t, 1.0, end.num("charged"))
	assert.Equal(t, 1.0, end.num("declined"))
}

func TestBillingFlagsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"-period", "November"},
		{"-only", "cus_9999"},
		{"-timeout", "0s"},
		{"-log-level", "loud"},
		{"extra"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
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
