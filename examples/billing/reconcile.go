package main

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/retry"
)

// The reconciliation check's period and grace. A real job or service runs
// it every minute with a grace of minutes; the demo's run lasts seconds.
const (
	checkEvery = 50 * time.Millisecond
	checkGrace = 5 * time.Minute
)

// books are the job's invoices: for each charge reference the job is done
// with, the authorization code (the API's charge ID) of its paid invoice,
// or "" when the job did not mark it paid (declined, failed).
type books struct {
	mu       sync.Mutex
	invoices map[string]string
	checked  chan struct{} // closed and replaced after every check run
	lastRun  time.Time     // when the last completed check run started
}

func newBooks() *books {
	return &books{invoices: map[string]string{}, checked: make(chan struct{})}
}

// done records that the job is done with the charge reference; code is the
// authorization code of its paid invoice, or "".
func (b *books) done(reference, code string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.invoices[reference] = code
}

// invoice returns the authorization code of reference's paid invoice, and
// whether the job is done with it.
func (b *books) invoice(reference string) (code string, done bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	code, done = b.invoices[reference]
	return code, done
}

// reconcile is the invariant check of seed 002, from the job's side: every
// charge the payments API made is a purchase in a successful state, and
// must have its authorization code on a paid invoice once the job is done
// with it, or checkGrace after it was made (a job that crashed mid-charge
// never will be). A charge that breaks it is money taken that nobody will
// look at: exactly what an alert is for.
//
// The list is read with policy (the API may be restarting), within the
// check's timeout.
func (b *books) reconcile(api *paymentsClient, policy retry.Policy) func(context.Context) error {
	policy.Name, policy.Idempotent, policy.IdempotencyKey = "billing.reconcile", true, ""
	return func(ctx context.Context) error {
		start := time.Now()
		defer b.ran(start)
		list, err := retry.DoValue(ctx, policy, api.charges)
		if err != nil {
			return errctx.Wrap(err, "list the payments API's charges for reconciliation")
		}
		var unpaid []string
		for _, c := range list {
			code, done := b.invoice(c.Reference)
			if code != c.ID && (done || start.Sub(c.Created) > checkGrace) {
				unpaid = append(unpaid, c.Reference+" ("+c.ID+")")
			}
		}
		if len(unpaid) == 0 {
			return nil
		}
		return errctx.New("reconcile the payments API's charges with the paid invoices",
			errctx.Fields("charges", len(unpaid), "references", strings.Join(unpaid, ", ")),
			errctx.Remedy("the cards were charged but no invoice is paid with the charge's authorization code: "+
				"for each reference, mark the invoice paid with the charge ID, or refund the charge; "+
				"do not re-run the job for these customers"))
	}
}

// ran records a completed check run that started at start.
func (b *books) ran(start time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lastRun = start
	close(b.checked)
	b.checked = make(chan struct{})
}

// checkedSince waits until a check run that started at or after t has
// completed, so that the alerts, if any, say what the books looked like at
// t; or for at most 5 seconds, or until ctx ends.
func (b *books) checkedSince(ctx context.Context, t time.Time) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		b.mu.Lock()
		ok, next := !b.lastRun.Before(t), b.checked
		b.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-next:
		case <-ctx.Done():
			return
		}
	}
}
