package main

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/retry"
)

// alerts returns the alert records of a run with the status given.
func (b billingRun) alerts(status string) []logtest.Record {
	return logtest.Filter(b.Records, logtest.All(logtest.Field("alert", true), logtest.Field("status", status)))
}

// The reconciliation check fires when a charge has no paid invoice, and
// resolves once the invoice is paid with the charge's authorization code.
func TestReconcileCheckFiresThenResolves(t *testing.T) {
	logs := &logtest.Buffer{Timeout: 10 * time.Second}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	api, err := startPayments(logger, 1000, 0)
	require.NoError(t, err)
	t.Cleanup(api.stop)
	client := &paymentsClient{url: api.URL(), http: http.DefaultClient, timeout: 5 * time.Second}
	b := newBooks()
	n, err := alert.New(alert.Config{Logger: logger})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close(context.Background()) })
	stop, err := n.CheckWith(alert.CheckConfig{Name: "charges-without-paid-invoice", Every: 5 * time.Millisecond,
		Timeout: 5 * time.Second, Run: b.reconcile(client, retry.Policy{Logger: logger})})
	require.NoError(t, err)
	t.Cleanup(stop)

	ada := customers[0]
	ref := ada.reference("2026-11")
	rc, err := client.charge(context.Background(), ada, ref)
	require.NoError(t, err)
	b.done(ref, "") // the job lost the answer: charged, but no invoice paid

	firing := logs.Wait(t, logtest.All(logtest.Field("alert", true), logtest.Field("status", "firing")), 1)[0]
	assert.Equal(t, "check.charges-without-paid-invoice", firing.Str("fingerprint"))
	assert.Equal(t, "fee-2026-11-cus_1001 ("+rc.ID+")", firing.Str("references"))
	assert.Contains(t, firing.Str("remedy"), "mark the invoice paid with the charge ID")

	b.done(ref, rc.ID) // an operator marks it paid with its authorization code
	resolved := logs.Wait(t, logtest.All(logtest.Field("alert", true), logtest.Field("status", "resolved")), 1)[0]
	assert.Equal(t, "check.charges-without-paid-invoice", resolved.Str("fingerprint"))
}
