package retry

import (
	"context"
	"fmt"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// Do calls fn until it succeeds, fails in a way that must not be repeated, or
// p runs out of attempts or budget.
//
// A failure is retried only if its class (p.Classify, else errctx.ClassOf)
// is Transient, or Indeterminate and p is idempotent. The wait before a retry
// grows exponentially with full jitter, is at least the failure's
// Retry-After (errctx.RetryAfterOf) and at most p.Cap. Do gives up without
// waiting when the wait would take it past p.Budget or ctx's deadline. Each
// retry logs a warning with ctx and counts retry.<name>.retries.
//
// Do returns nil on success. A first failure that is not retried (its class
// forbids it, or p.Attempts is 1) comes back unchanged. Any other failure
// comes back wrapped as "retrying <name> (gave up after n attempts)", with
// a remedy of its own before the cause's and the fields attempts (how many
// ran) and attempt_classes (what each ended as). Its class is Indeterminate
// if any attempt was, since a later failure does not undo an attempt that
// may have taken effect; otherwise it is the class of the last attempt.
// If ctx ends, during a wait or during an attempt, Do returns ctx's error
// wrapped as "retrying <name> (canceled after n attempts)", or "(deadline
// passed after n attempts)", with the same fields and the last failure as
// last_error; its class is the context error's. No attempt starts after
// ctx ended, the first included: then Do returns "(canceled before the first
// attempt)". An invalid p is refused before fn runs, with an error naming
// the field.
func Do(ctx context.Context, p Policy, fn func(context.Context) error) error {
	if !p.valid() {
		return p.invalid()
	}
	if ctx.Err() != nil {
		return p.notStarted(ctx)
	}
	var start time.Time
	if p.Budget > 0 || p.IdempotencyKey != "" {
		ctx, start = p.begin(ctx)
	}
	if err := fn(ctx); err != nil {
		return p.again(ctx, fn, err, start)
	}
	return nil
}

// DoValue is [Do] for an operation that returns a value. It returns the
// value of the last attempt made (the zero T if none was), along with Do's
// error.
func DoValue[T any](ctx context.Context, p Policy, fn func(context.Context) (T, error)) (T, error) {
	if !p.valid() {
		var zero T
		return zero, p.invalid()
	}
	if ctx.Err() != nil {
		var zero T
		return zero, p.notStarted(ctx)
	}
	var start time.Time
	if p.Budget > 0 || p.IdempotencyKey != "" {
		ctx, start = p.begin(ctx)
	}
	v, err := fn(ctx)
	if err != nil {
		err = p.again(ctx, func(ctx context.Context) error {
			var err error
			v, err = fn(ctx)
			return err
		}, err, start)
	}
	return v, err
}

// begin prepares the first attempt of a policy with a budget or an
// idempotency key: the context fn sees, carrying the key if there is one,
// and the start of the budget if there is one. Do and DoValue call it only
// then, to keep the common path free of calls.
func (p *Policy) begin(ctx context.Context) (context.Context, time.Time) {
	var start time.Time
	if p.Budget > 0 {
		start = time.Now()
	}
	if p.IdempotencyKey != "" {
		ctx = &keyContext{ctx, p.IdempotencyKey}
	}
	return ctx, start
}

// again runs the retries after a first attempt failed with err; start is
// when Do began, zero unless p has a budget. A failure Do does not retry
// comes back unchanged and counts no outcome; every other Do counts exactly
// one, even when fn panics.
func (p *Policy) again(ctx context.Context, fn func(context.Context) error, err error, start time.Time) error {
	class := p.classify(ctx, err)
	if p.attempts() == 1 || !class.Retryable(p.idempotent()) {
		return err
	}
	names := p.counters()
	ended := false
	defer func() {
		if !ended { // fn panicked: count it, and let the panic go on
			p.stats().Count(names.stopped, 1)
		}
	}()
	r := run{classes: []errctx.Class{class}}
	err, outcome := p.retry(ctx, fn, err, start, &r)
	ended = true
	p.stats().Count(outcome(names), 1)
	return err
}

// retry makes the retries, r holding what the attempts so far ended as, and
// returns Do's error and the outcome counter it ends in.
func (p *Policy) retry(ctx context.Context, fn func(context.Context) error, err error, start time.Time, r *run) (error, outcome) {
	attempts := p.attempts()
	for {
		n, class := len(r.classes), r.classes[len(r.classes)-1]
		switch {
		case ctx.Err() != nil:
			return p.canceledError(ctx, err, r), canceled
		case !class.Retryable(p.idempotent()):
			return p.stoppedError(err, r), stopped
		case n >= attempts:
			return p.exhaustedError(err, r, ""), exhausted
		}
		wait := p.backoff(n, err)
		if p.Budget > 0 && wait > p.Budget-time.Since(start) {
			return p.exhaustedError(err, r,
				fmt.Sprintf("the next retry, %s away, would start past the %s budget; fix the cause above, or raise Policy.Budget", wait, p.Budget)), exhausted
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return p.exhaustedError(err, r,
				fmt.Sprintf("the next retry, %s away, would start past the context's deadline; fix the cause above, or give the caller more time", wait)), exhausted
		}
		p.warn(ctx, err, class, n, attempts, wait)
		if !sleep(ctx, wait) {
			return p.canceledError(ctx, err, r), canceled
		}
		r.waited += wait
		if err = fn(ctx); err == nil {
			return nil, succeeded
		}
		r.classes = append(r.classes, p.classify(ctx, err))
	}
}

// notStarted counts and builds the error for a Do whose context ended
// before its first attempt.
func (p *Policy) notStarted(ctx context.Context) error {
	p.stats().Count(p.counters().canceled, 1)
	return p.canceledError(ctx, nil, &run{})
}

// sleep waits for d or until ctx ends, whichever comes first, and reports
// whether ctx is still live when it returns, so that no attempt starts after
// the context ended, even when the wait and the end come together. The timer
// is stopped either way, so nothing is left behind.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return ctx.Err() == nil
}
