package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/vitals-go/vitals/errctx"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/retry"
)

// outcome is what became of one customer's charge.
type outcome uint8

const (
	charged  outcome = iota // the card was charged
	declined                // the card was declined; the customer was mailed
	failed                  // the job could not tell or could not charge: a human must look
)

// result is the job's record of one customer.
type result struct {
	customer customer
	outcome  outcome
	attempts int
	replayed bool   // the API deduplicated a repeated charge by its idempotency key
	remedy   string // for a failure: what the human should do
}

// job charges the monthly fee of each customer once.
type job struct {
	logger *slog.Logger
	period string
	keys   bool // send idempotency keys to the accounts that allow them
	client *paymentsClient
	policy retry.Policy
	outbox *outbox
	books  *books
}

// run bills the customers one by one and returns what became of each. It
// stops before the next customer when ctx ends.
func (j *job) run(ctx context.Context, list []customer) []result {
	results := make([]result, 0, len(list))
	for _, c := range list {
		if ctx.Err() != nil {
			break
		}
		results = append(results, j.bill(ctx, c))
	}
	return results
}

// bill charges one customer. Failures that are safe to repeat are retried
// by the policy: a refused connection or a 503 always (nothing was
// charged), a timeout only when the charge carries an idempotency key (the
// API then returns the first charge instead of making a second).
func (j *job) bill(ctx context.Context, c customer) result {
	ref := c.reference(j.period)
	ctx = reqid.With(ctx, reqid.New()) // sent to the payments API, on every record
	ctx = vlog.With(ctx, "customer", c.ID, "amount", c.fee(), "reference", ref)
	p := j.policy
	keyed := j.keys && !c.NoIdempotencyKey
	if keyed {
		p.IdempotencyKey = ref
	}

	r := result{customer: c}
	rc, err := retry.DoValue(ctx, p, func(ctx context.Context) (receipt, error) {
		r.attempts++
		return j.client.charge(ctx, c, ref)
	})
	var d *declineError
	defer func() { j.books.done(ref, rc.ID) }() // rc.ID is the authorization code, "" unless charged
	switch {
	case err == nil:
		r.outcome, r.replayed = charged, rc.Replayed
		attrs := []any{"charge", rc.ID, "attempts", r.attempts}
		if rc.Replayed {
			attrs = append(attrs, "double_charge_prevented", true,
				"note", "an earlier attempt timed out after charging; the payments API matched the idempotency key and returned that charge instead of making a second")
		}
		j.logger.InfoContext(ctx, "charged", attrs...)
	case errctx.ClassOf(err) == errctx.NotAFailure && errors.As(err, &d):
		r.outcome = declined
		j.logger.InfoContext(ctx, "card declined", "decline_code", d.Code, "attempts", r.attempts)
		j.outbox.chargeFailed(ctx, c, j.period, d)
	default:
		r.outcome = failed
		class := errctx.ClassOf(err)
		r.remedy = remedyFor(class, c, ref, keyed)
		err = errctx.Wrap(err, "charging "+c.ID+" the "+j.period+" fee of "+c.fee(),
			errctx.Fields("customer", c.ID, "amount", c.fee(), "reference", ref, "idempotency_key", keyed),
			errctx.Remedy(r.remedy))
		j.logger.ErrorContext(ctx, "charge failed: needs a human",
			"attempted", errctx.AttemptedOf(err)[0],
			"class", class.String(),
			"attempts", r.attempts,
			"error", err,
			"remedy", r.remedy)
	}
	return r
}

// remedyFor tells the operator what to do about a failed charge, by what
// its class says about whether money moved.
func remedyFor(class errctx.Class, c customer, ref string, keyed bool) string {
	rerun := "re-run the job with -only " + c.ID
	switch class {
	case errctx.Indeterminate:
		why := ""
		if !keyed {
			why = " (it had no idempotency key, so the job did not repeat it)"
		}
		return "the charge may have gone through" + why + ": search the payments dashboard for reference " + ref +
			"; if the charge is there, mark the invoice paid, otherwise " + rerun
	case errctx.Transient:
		return "nothing was charged: the payments API kept failing (see the error); " + rerun + " once it is healthy"
	case errctx.Permanent:
		return "nothing was charged: the payments API refused the charge as invalid (see the error); fix the account's billing data, then " + rerun
	}
	return "unexpected failure: read the error, search the payments dashboard for reference " + ref +
		" before charging again, then " + rerun
}
