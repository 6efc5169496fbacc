package breaker

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// Ticket is one call let through by [Breaker.Allow]. Report its result
// once, with Done or Record. A probe's ticket counts its first report only:
// a second one changes nothing. A closed breaker's ticket is not checked
// (that would cost an allocation per call): each report counts. A probe
// never reported is taken as lost once the probe deadline has passed (see
// [Config.OpenDuration]). A Ticket is a small value: passing it around does
// not allocate.
type Ticket struct {
	g     *gen
	ctx   context.Context // a *probe for a half-open probe
	start int64
	// Nothing more here: at 4 words (32 bytes) the Ticket stays in
	// registers; a fifth field, even a pointer, makes Allow/Done about
	// twice as slow, and a byte-sized one defeats store forwarding.
}

// probe is a half-open call's context: the caller's, plus the slot that the
// call's first report settles. Carrying it as the Ticket's context keeps the
// Ticket at 4 words.
type probe struct {
	context.Context
	settled atomic.Bool
}

// probe returns the slot of a probe's ticket, or nil.
func (t Ticket) probe() *probe {
	p, _ := t.ctx.(*probe)
	return p
}

// claim reports whether this report of t is the one that counts: always for
// a closed generation's ticket, only the first time for a probe.
func (t Ticket) claim() bool {
	p := t.probe()
	return p == nil || p.settled.CompareAndSwap(false, true)
}

// Allow asks to make one call. When the breaker lets it through, make the
// call and report its result on the Ticket; otherwise the error wraps
// [ErrOpen] and the call must not be made. Allow and Done do not allocate.
//
// Allow is the two-step form for code that cannot wrap the call in a
// function, such as HTTP middleware; prefer [Do] or [Breaker.Run], which also
// apply Config.Timeout and count a call that panics.
func (b *Breaker) Allow(ctx context.Context) (Ticket, error) {
	if g := b.cur.Load(); g.fastAllow {
		return Ticket{g: g, ctx: ctx}, nil
	}
	return b.allow(ctx)
}

func (b *Breaker) allow(ctx context.Context) (Ticket, error) {
	for {
		g := b.cur.Load()
		switch g.state {
		case Closed, Disabled:
			return Ticket{g: g, ctx: ctx, start: b.now()}, nil
		case HalfOpen:
			if g.probes.Add(1) <= int32(b.cfg.ProbeLimit) {
				g.stir()
				return Ticket{g: g, ctx: &probe{Context: ctx}, start: b.now()}, nil
			}
			g.probes.Add(-1)
			if g.probesLost() {
				b.transition(ctx, g, Open, "a probe not reported within "+b.probeDeadline().String(), nil)
				continue
			}
			g.rejected.Inc()
			return Ticket{}, g.reject.Load().err
		case Open, ForcedOpen:
			if err := g.rejectNow(); err != nil {
				return Ticket{}, err
			}
			b.transition(ctx, g, HalfOpen, "the open period elapsed", g.cause)
		}
	}
}

// succeededTimed counts a success in a closed generation whose breaker
// measures time (slow-call policy or time-based window), unless the call was
// slow: then it reports false and the caller takes the full path.
func (g *gen) succeededTimed(start int64) bool {
	b := g.b
	now := b.end(b.now(), start)
	if b.cfg.SlowCallDuration > 0 && time.Duration(now-start) >= b.cfg.SlowCallDuration {
		return false
	}
	g.ok.Add(1)
	if g.consec.Load() != 0 {
		g.consec.Store(0)
	}
	if g.win != nil {
		g.win.add(now, slotUsed)
	}
	return true
}

// rejectNow counts and returns the rejection when g refuses every call: open
// and not yet elapsed, or forced open. It is the whole cost of a rejected
// call: a few loads and one counter add.
func (g *gen) rejectNow() error {
	if g.state == ForcedOpen || g.state == Open && !g.expired.Load() {
		g.rejected.Add(1)
		return g.reject.Load().err
	}
	return nil
}

// now reads the breaker's clock in nanoseconds since b.base: the coarse
// clock unless calls are timed precisely or the clock is injected.
func (b *Breaker) now() int64 {
	switch {
	case b.fast:
		return 0
	case b.cfg.Clock != nil:
		return int64(b.clock.Now().Sub(b.base))
	case b.precise:
		return int64(time.Since(b.base))
	}
	return coarseNow()
}

// end reads the clock at the end of a call that started at start, given
// now, the reading of b.now. On the coarse clock, a call that looks faster
// than Config.SlowCallDuration is read again on the precise clock, since a
// coarse clock whose goroutine is starved shows a slow call as fast; the
// precise reading also refreshes a stale coarse clock. A call that already
// looks slow is slow: the coarse clock never runs ahead. (It takes now
// rather than reading it so as to be inlined: a breaker without a slow-call
// policy pays a compare.)
func (b *Breaker) end(now, start int64) int64 {
	if b.coarseSlow && time.Duration(now-start) < b.cfg.SlowCallDuration {
		return coarseRefresh()
	}
	return now
}

// Done reports the call's error, classified by Config.Classify or else by
// [Classify].
func (t Ticket) Done(err error) {
	if g := t.g; err == nil && g != nil && g.fastDone {
		g.succeeded()
		return
	}
	t.done(err)
}

// succeeded counts a plain success in a closed generation: one counter add,
// a store only when it ends a run of failures, and one increment when a
// count-based window is on (a fast breaker has no time-based window and no
// slow-call policy, so the success is neither timed nor slow).
func (g *gen) succeeded() {
	g.ok.Add(1)
	if g.consec.Load() != 0 {
		g.consec.Store(0)
	}
	if g.win != nil {
		g.win.add(0, slotUsed)
	}
}

func (t Ticket) done(err error) {
	if t.g == nil {
		return
	}
	b := t.g.b
	b.record(t, b.classify(t.ctx, err), err, false)
}

// countPanic counts a call of g whose function did not return: it panicked.
func (g *gen) countPanic(returned *bool) {
	if !*returned {
		Ticket{g: g}.panicked()
	}
}

// panicked counts a call whose function panicked (or called
// runtime.Goexit), on its way up: the panic is the caller's bug, not the
// dependency's failure, so it counts only in calls.panicked, and a probe
// gives its slot back.
func (t Ticket) panicked() {
	if t.claim() {
		t.g.b.counter(panickedCalls).Inc()
		t.release()
	}
}

// Record reports the call's outcome as already classified by the caller,
// with its error (if any) for the logs and the rejection remedy.
func (t Ticket) Record(o Outcome, err error) {
	if t.g != nil {
		t.g.b.record(t, o, err, false)
	}
}

// classify applies Config.Classify, or else [Classify]; either way an error
// that follows the caller's own cancellation is ignored.
func (b *Breaker) classify(ctx context.Context, err error) Outcome {
	switch {
	case b.cfg.Classify == nil:
		return Classify(ctx, err)
	case callerGaveUp(ctx, err):
		return Ignore
	}
	return b.judge(ctx, err, func() Outcome { return b.cfg.Classify(err) })
}

// record counts one call in the generation it started in.
func (b *Breaker) record(t Ticket, o Outcome, err error, timedOut bool) {
	if !t.claim() {
		return
	}
	if o > Ignore {
		o = Failure
	}
	b.counter(callsBy + counterID(o)).Inc()
	var slow bool
	now := t.start
	if !b.fast {
		now = b.end(b.now(), t.start)
		d := time.Duration(now - t.start)
		if b.cfg.TimeCalls {
			b.emitter.Timing(b.timingName, d)
		}
		slow = b.cfg.SlowCallDuration > 0 && d >= b.cfg.SlowCallDuration
	}
	if o == Ignore {
		t.release() // ignored means ignored: neither slow nor counted
		return
	}
	if slow = slow || timedOut; slow {
		b.counter(slowCalls).Inc()
	}
	g := t.g
	switch g.state {
	case Closed:
		b.recordClosed(t, o, slow, now, err)
	case HalfOpen:
		b.recordProbe(t, o, slow, err)
	}
}

func (b *Breaker) recordClosed(t Ticket, o Outcome, slow bool, now int64, err error) {
	g := t.g
	var cause error // the error quoted if this call trips the breaker
	if o == Success {
		if g.consec.Load() != 0 {
			g.consec.Store(0)
		}
	} else {
		cause = err
		if n := g.consec.Add(1); b.cfg.ConsecutiveFailures > 0 && n >= int64(b.cfg.ConsecutiveFailures) {
			b.transition(t.ctx, g, Open, inARow(n), cause)
			return
		}
	}
	if g.win == nil {
		return
	}
	v := uint32(slotUsed)
	if o == Failure {
		v |= slotFailed
	}
	if slow {
		v |= slotSlow
	}
	totals := g.win.add(now, v)
	if v == slotUsed {
		return // a fast success never trips a rate policy
	}
	calls, failures, slows := unpack(totals)
	if totals == 0 {
		calls, failures, slows = g.win.sum(now)
	}
	if calls < int64(b.cfg.MinCalls) {
		return
	}
	switch {
	case b.cfg.FailureRate > 0 && float64(failures) >= b.cfg.FailureRate*float64(calls):
		b.transition(t.ctx, g, Open, fmt.Sprintf("a failure rate of %s (%d of the last %d calls)", percent(failures, calls), failures, calls), cause)
	case b.cfg.SlowCallRate > 0 && float64(slows) >= b.cfg.SlowCallRate*float64(calls):
		b.transition(t.ctx, g, Open, fmt.Sprintf("a slow-call rate of %s (%d of the last %d calls took %s or more)", percent(slows, calls), slows, calls, b.cfg.SlowCallDuration), cause)
	}
}

// inARow is the reason of an opening by the consecutive-failure policy.
func inARow(n int64) string {
	if n == 1 {
		return "1 failure in a row"
	}
	return fmt.Sprintf("%d consecutive failures", n)
}

func percent(n, of int64) string {
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}

// recordProbe settles a half-open probe that counts (an ignored one has given
// its slot back already): a failure (or a slow call, when the slow-call
// policy is on) opens the breaker again, and enough successes close it. The
// failure's error goes with the transition, structured, not into the reason.
func (b *Breaker) recordProbe(t Ticket, o Outcome, slow bool, err error) {
	g := t.g
	g.stir()
	switch {
	case o == Failure:
		b.transition(t.ctx, g, Open, "a failed probe", err)
	case slow && b.cfg.SlowCallRate > 0:
		b.transition(t.ctx, g, Open, fmt.Sprintf("a slow probe (%s or more)", b.cfg.SlowCallDuration), nil)
	default:
		n := g.successes.Add(1)
		g.probes.Add(-1)
		if n >= int32(b.cfg.SuccessesToClose) {
			b.transition(t.ctx, g, Closed, fmt.Sprintf("%d successful probe(s)", n), nil)
		}
	}
}

// release gives back the slot of a probe that did not count: ignored, or
// panicked.
func (t Ticket) release() {
	if t.probe() != nil {
		t.g.probes.Add(-1)
	}
}

// Run calls fn through the breaker. When the breaker rejects the call, fn is
// not called and the error wraps [ErrOpen]. fn's error is returned as is,
// except when Config.Timeout ran out, where it is wrapped to say so.
func (b *Breaker) Run(ctx context.Context, fn func(context.Context) error) error {
	g := b.cur.Load()
	if !g.direct {
		if err := g.rejectNow(); err != nil {
			return err
		}
		_, err := call(ctx, b, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) }, nil)
		return err
	}
	var start int64
	if !g.fastAllow {
		start = b.now()
	}
	// The check is deferred only when the count can be seen: even an
	// open-coded defer costs a call a third more.
	returned := false
	if g.watch {
		defer g.countPanic(&returned)
	}
	err := fn(ctx)
	returned = true
	if err == nil && g.fastDone {
		g.succeeded() // a plain success, without the call of finish
		return nil
	}
	g.finish(ctx, start, err)
	return err
}

// Do calls fn through b and returns its result. When the breaker rejects the
// call, fn is not called and the error wraps [ErrOpen]. A panic of fn goes
// on up to the caller, counted in breaker.<name>.calls.panicked: it is the
// caller's bug, so it neither trips nor closes the breaker (nor is it counted
// anywhere when Config.Stats is stats.Discard, since nothing could see it).
func Do[T any](ctx context.Context, b *Breaker, fn func(context.Context) (T, error)) (T, error) {
	g := b.cur.Load()
	if !g.direct {
		if err := g.rejectNow(); err != nil {
			var zero T
			return zero, err
		}
		return call(ctx, b, fn, nil)
	}
	var start int64
	if !g.fastAllow {
		start = b.now()
	}
	returned := false
	if g.watch {
		defer g.countPanic(&returned)
	}
	v, err := fn(ctx)
	returned = true
	if err == nil && g.fastDone {
		g.succeeded() // a plain success, without the call of finish
		return v, nil
	}
	g.finish(ctx, start, err)
	return v, err
}

// finish counts a call of a closed or disabled generation made without a
// Ticket (Do and Run with no Config.Timeout) other than a plain success,
// which Do and Run count themselves to save a call: a timed success costs a
// clock read, anything else takes the full path.
func (g *gen) finish(ctx context.Context, start int64, err error) {
	if err == nil && g.timedDone && g.succeededTimed(start) {
		return
	}
	Ticket{g: g, ctx: ctx, start: start}.done(err)
}

// DoClassified is Do for APIs that report failure in their result rather
// than (or as well as) in an error, such as a response with a status code:
// classify decides the outcome from both.
func DoClassified[T any](ctx context.Context, b *Breaker, fn func(context.Context) (T, error), classify func(T, error) Outcome) (T, error) {
	return call(ctx, b, fn, classify)
}

// call runs a call that needs more care than the closed fast path: a clock
// read, a deadline, a probe, or a result classifier.
func call[T any](ctx context.Context, b *Breaker, fn func(context.Context) (T, error), classify func(T, error) Outcome) (v T, err error) {
	t, err := b.Allow(ctx)
	if err != nil {
		return v, err
	}
	if b.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.cfg.Timeout)
		defer cancel()
	}
	returned := false
	defer func() {
		if !returned {
			t.panicked()
		}
	}()
	v, err = fn(ctx)
	returned = true
	timedOut := b.cfg.Timeout > 0 && t.ctx.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded)
	var o Outcome
	switch {
	case callerGaveUp(t.ctx, err):
		o = Ignore
	case timedOut: // one rule for every entry point, whatever the result says
		o = Failure
	case classify != nil:
		o = b.judge(t.ctx, err, func() Outcome { return classify(v, err) })
	default:
		o = b.classify(t.ctx, err)
	}
	if timedOut && err != nil {
		err = errctx.Wrap(err, "calling "+b.name,
			errctx.WithClass(errctx.Indeterminate),
			errctx.Remedy(fmt.Sprintf("the call ran out of the breaker's %s timeout and may still have taken effect; make it faster or raise Config.Timeout", b.cfg.Timeout)))
	}
	b.record(t, o, err, timedOut)
	return v, err
}
