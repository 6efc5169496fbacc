// Package retry repeats an operation only when repeating it is safe.
//
// Whether a failure may be retried is decided by its [errctx.Class], not by a
// predicate written at each call site:
//
//   - Transient (a refused connection, a 503, an open circuit breaker) is
//     retried;
//   - Indeterminate (a timeout, a lost reply: the operation may have taken
//     effect) is retried only when the [Policy] says the operation is
//     idempotent, through Idempotent or an IdempotencyKey the callee
//     deduplicates on;
//   - Permanent, Unknown and NotAFailure are never retried.
//
// Waits grow exponentially with full jitter, honour a Retry-After carried by
// the error, and stop at once when the context ends; no attempt starts
// after it ended. Each retry is logged as a warning through log/slog with
// the caller's context, so a vitals log handler adds the request ID, and
// counted as retry.<name>.retries. A Do whose first attempt succeeds, or
// fails in a way it does not retry, counts nothing more; every other Do
// counts exactly one outcome:
//
//   - retry.<name>.succeeded_after_retry: a later attempt succeeded;
//   - retry.<name>.exhausted: attempts used up, or the next wait would pass
//     the budget or the context's deadline;
//   - retry.<name>.stopped: a later attempt failed in a way that must not
//     be repeated, or panicked (the panic goes on to the caller);
//   - retry.<name>.canceled: the caller's context ended, during a wait,
//     during an attempt, or before the first.
//
// The smallest complete use:
//
//	err := retry.Do(ctx, retry.Policy{Name: "payments.charge"}, func(ctx context.Context) error {
//		return client.Charge(ctx, invoice)
//	})
//
// The zero Policy makes 3 attempts, waiting up to 100ms and then up to 200ms.
package retry
