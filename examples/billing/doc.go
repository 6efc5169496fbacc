// Command billing is a monthly fee job: it charges each customer's card
// through a payments API and must never charge anyone twice, never give up
// on a charge that a retry would have saved, and never hide a failure.
//
//	go run ./examples/billing
//
// The payments API is a fake one served over real HTTP on a loopback port,
// in the same process, with a ledger of the charges it made. Its test cards
// and one restart make a single run meet every kind of outcome, each logged
// as a JSON line on stderr with the customer, the amount and the charge's
// reference (carried by the context, so retry warnings have them too):
//
//   - a 503 or a refused connection (the API restarting) is transient:
//     nothing was charged, and retry.Do tries again with backoff;
//   - a timeout (the API's 504: its card network confirmed too late) is
//     indeterminate: the card may have been charged. The job
//     repeats it only when the charge carries an idempotency key, which the
//     API deduplicates on: it answers the repeat with the first charge, and
//     the log says a double charge was prevented. An account on the legacy
//     contract has no key (and -idempotency-keys=false takes them away from
//     everyone): its timed-out charge is not repeated but handed to a human;
//   - a declined card is not a failure of the job (errctx.NotAFailure): it is
//     logged at INFO and the customer gets a "charge failed" mail;
//   - a charge the API refuses as invalid (a currency it does not settle) is
//     permanent and never retried.
//
// Every failure is an ERROR record saying what was attempted, the error
// chain with its class and fields, and a remedy for the operator: whether
// money may have moved, what to search for in the payments dashboard, and
// the -only flag to re-run just that customer. The run ends with a summary
// on stdout (charged, declined, failed and needing a human, double charges
// prevented, and the API's ledger, which proves nobody was charged twice)
// and exits 1 when a human is needed, so that the scheduler notices.
//
// While it runs, an invariant check (alert.Notifier.CheckWith, seed 002's
// "purchases in a successful state without an authorization code")
// reconciles the API's charges with the job's paid invoices: a card charged
// with no invoice paid with its charge ID, once the job is done with that
// customer (or 5 minutes after the charge), is money taken that nobody will
// look at. The check raises one alert record (alert=true) naming the
// references, and would resolve it once the invoices are fixed; the job
// waits for one check run over its final books before it ends.
//
// Flags:
//
//	-period YYYY-MM         the billing period (default: this month)
//	-only ids               bill only these customers, e.g. -only cus_1008
//	-idempotency-keys=false charge without idempotency keys
//	-timeout d              how long one charge request may take (default 1s)
//	-log-level lvl          debug, info, warn or error (default $VITALS_LOG_LEVEL
//	                        or info); debug adds every HTTP call, both sides
//
// Files: main.go wires the job, job.go bills one customer, client.go talks
// to the API and classifies its answers, payments.go is the fake API,
// reconcile.go the invariant check, customers.go the accounts, mail.go the
// outbox, summary.go the report.
package main
