package retry

import (
	"context"
	"fmt"
	"time"
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
// the class Do acted on and a remedy of its own after the cause's. If ctx
// ends, a wait in progress stops at once and Do returns ctx's error wrapped
// as "retrying <name> (canceled after n attempts)". An invalid p is refused
// before fn runs, with an error naming the field.
func Do(ctx context.Context, p Policy, fn func(context.Context) error) error {
	if !p.valid() {
		return p.invalid()
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
// value of the last attempt made, along with Do's error.
func DoValue[T any](ctx context.Context, p Policy, fn func(context.Context) (T, error)) (T, error) {
	if !p.valid() {
		var zero T
		return zero, p.invalid()
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
		ctx = context.WithValue(ctx, keyContext{}, p.IdempotencyKey)
	}
	return ctx, start
}

// again runs the retries after a first attempt failed with err; start is
// when Do began, zero unless p has a budget.
func (p *Policy) again(ctx context.Context, fn func(context.Context) error, err error, start time.Time) error {
	attempts := p.attempts()
	var waited time.Duration
	for n := 1; ; n++ {
		class := p.classify(err)
		switch {
		case n == 1 && (attempts == 1 || !class.Retryable(p.idempotent())):
			return err
		case !class.Retryable(p.idempotent()):
			return p.stopped(err, class, n, waited)
		case ctx.Err() != nil:
			return p.canceled(ctx, err, n, waited)
		case n >= attempts:
			return p.exhausted(err, class, n, waited, "")
		}
		wait := p.backoff(n, err)
		if p.Budget > 0 && time.Since(start)+wait > p.Budget {
			return p.exhausted(err, class, n, waited,
				fmt.Sprintf("the next retry, %s away, would start past the %s budget; fix the cause above, or raise Policy.Budget", wait, p.Budget))
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return p.exhausted(err, class, n, waited,
				fmt.Sprintf("the next retry, %s away, would start past the context's deadline; fix the cause above, or give the caller more time", wait))
		}
		p.warn(ctx, err, class, n, attempts, wait)
		if !sleep(ctx, wait) {
			return p.canceled(ctx, err, n, waited)
		}
		waited += wait
		if err = fn(ctx); err == nil {
			p.stats().Count(p.counters().succeeded, 1)
			return nil
		}
	}
}

// sleep waits for d or until ctx ends, whichever comes first, and reports
// whether the whole wait passed. The timer is stopped either way, so nothing
// is left behind.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
