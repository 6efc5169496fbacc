// Package breaker provides circuit breakers that fence off a failing
// dependency and publish every change of state as a log record, stats and a
// span.
//
// A breaker is closed while calls succeed. When a trip policy says the
// dependency is failing — 5 consecutive failures by default, or a failure
// rate or slow-call rate over a window of recent calls — it opens: calls are
// rejected at once with an errctx error that wraps [ErrOpen] ("calling
// <name>: circuit breaker is open"), whose remedy ([errctx.RemediesOf]) says
// when calls resume and what tripped the breaker, with a Retry-After of the
// time left. After the open period it lets a limited number of probe calls
// through (half-open); their success closes it, any failure opens it again.
//
// The smallest complete use:
//
//	b, err := breaker.New(breaker.Config{Name: "payments"})
//	if err != nil {
//		return err
//	}
//	receipt, err := breaker.Do(ctx, b, func(ctx context.Context) (*Receipt, error) {
//		return client.Charge(ctx, card, amount)
//	})
//	if errors.Is(err, breaker.ErrOpen) {
//		// not attempted: show "try again later"
//	}
//
// Which results count as failures: errors are classified by their
// [errctx.Class] (a not-a-failure error, such as a declined card, is a
// success for the breaker), and an error that follows the caller's own
// cancellation is ignored. [Config.Classify] replaces that rule;
// [DoClassified] classifies calls whose failure is in the result (a response
// with a status code). [Breaker.Allow] is the two-step form for middleware.
//
// Every transition is published in order: at once, the gauge
// breaker.<name>.state (0 closed, 1 half-open, 2 open) and the counter
// breaker.<name>.transitions.<state> (atomic handles) and an event on the
// causing call's span; off the calling goroutine, a log record through
// Config.Logger (Warn when the breaker opens, Info otherwise) made with the
// causing call's context, so it carries that call's request ID and trace
// IDs, and a span named "breaker <state>" linked to the causing call's span;
// and, each on its own goroutine so that neither a slow log handler nor a
// slow listener delays another, every listener given to [Breaker.Subscribe]. Each call also
// counts one of breaker.<name>.calls.{success,failure,ignored,rejected,panicked}
// (a call whose function panics is the caller's bug: it is counted as
// panicked, neither trips nor closes the breaker, and the panic goes on up),
// plus breaker.<name>.calls.slow when it was slow and not ignored; a
// classifier that panics is counted in breaker.<name>.classifier_panics,
// logged, and replaced by [Classify] for that call. Config.TimeCalls adds
// the timing breaker.<name>.duration. New makes the handles of the state
// gauge and of calls.success; each other counter is made at its first
// count, so that a breaker that never rejects or panics does not pay for
// those handles (an OpenTelemetry exporter shows such a series from its
// first count; statsd sends a counter only when it changed anyway).
//
// # Cost
//
// The closed-state path of a breaker with the default policy is a load of
// the current generation and one counter add: no lock, no clock read, no
// allocation. Rejecting a call while open is a few loads and one add; the
// rejection error is built once per open generation (and refreshed each
// second for its Retry-After). A count-based window full of successes
// costs one atomic load per success and writes nothing. Otherwise each call
// takes the next slot of the ring (one atomic add) and reads it; when the
// slot already holds the same outcome nothing more is written, and when the
// outcome changes it costs a compare-and-swap, an add to the totals and a
// store. Slow-call policies and time-based windows need the
// time of each call; reading the wall clock costs tens of nanoseconds on a
// VM, so they read a process-wide coarse clock instead (one atomic load),
// advanced by one goroutine every tenth of the finest duration configured
// (1 ms to 100 ms). That goroutine can be starved of CPU, and a stopped
// clock would show a slow call as fast; nothing cheaper than a clock read
// tells a stopped clock from a short call, so a slow-call policy reads the
// precise clock once at the end of each call that the coarse clock shows
// as fast (tens of nanoseconds; a slow call is never missed). A caller that
// finds the coarse clock more than two ticks behind moves it forward, and
// calls start on the precise clock until its goroutine runs again. A
// time-based window without a slow-call policy reads only the coarse
// clock: while it is stopped (and no slow-call policy has found it so),
// calls count in the bucket of the time it stopped. Call timings (Config.TimeCalls) need the precise clock, twice
// per call, so they are opt-in. Nothing on the call path allocates,
// failures with an error included, except a context with a deadline when
// Config.Timeout is set and the small slot of each half-open probe. Do and
// Run count a call that panics with a deferred check, a few nanoseconds,
// which they skip when the stats go to stats.Discard (nothing would see the
// count).
//
// cep21/circuit, one of the usual peers, is not in the side-by-side
// benchmarks of the bench module: it cannot be fetched from the module proxy.
package breaker
