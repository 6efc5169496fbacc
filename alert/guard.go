package alert

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/panics"
	"github.com/vitals-go/vitals/stats"
)

// MaxRetryAfter bounds how long a sink's Retry-After holds its breaker
// open, so that a broken or hostile destination ("Retry-After: 99999999")
// cannot silence a sink for days; after it the breaker lets a probe
// through, and a destination still throttling says so again.
const MaxRetryAfter = time.Hour

// guard stands between the Notifier and one sink: a bounded queue drained
// by one goroutine, a rate limit, a breaker and a timeout per send. Every
// event given to it ends counted exactly once as sent, failed or dropped.
type guard struct {
	n    *Notifier
	sink Sink
	name string
	q    chan Event
	br   *breaker.Breaker

	// An event given to the guard ends counted once as sent, failed or
	// dropped; an occurrence the throttle held back as suppressed; a
	// digest, which is an event no caller raised, also in digests, so that
	// notified + digests = sent + failed + dropped + suppressed. Notes (the
	// message after a recovery) are counted apart.
	sent, failed, dropped, suppressed, digests, notes *stats.Counter

	// missed counts events failed or dropped since the last success, and
	// missedSince is when the first of them was (UnixNano), for the
	// message that says so when the sink recovers.
	missed      atomic.Int64
	missedSince atomic.Int64

	// Owned by the worker goroutine.
	stuck      chan error // the send abandoned at its timeout, until it returns
	tokens     float64
	refilled   time.Time
	unthrottle func() bool
}

func newGuard(n *Notifier, s Sink) (*guard, error) {
	name := sinkName(s)
	bc := n.cfg.Breaker
	bc.Name = "alert." + name
	if bc.Logger == nil {
		bc.Logger = n.cfg.Logger
	}
	if bc.Stats == nil {
		bc.Stats = n.cfg.Emitter
	}
	if bc.Clock == nil {
		bc.Clock = n.cfg.Clock
	}
	br, err := breaker.New(bc)
	if err != nil {
		return nil, errctx.Wrap(err, "configure alert: Config.Breaker for sink "+name)
	}
	e := n.cfg.Emitter
	counter := func(what string) *stats.Counter { return e.NewCounter(stats.Name("alert", name, what)) }
	return &guard{n: n, sink: s, name: name, q: make(chan Event, n.cfg.QueueSize), br: br,
		sent: counter("sent"), failed: counter("failed"), dropped: counter("dropped"),
		suppressed: counter("suppressed"), digests: counter("digests"), notes: counter("notes"),
		tokens: float64(n.cfg.Burst), refilled: n.cfg.Clock.Now()}, nil
}

// enqueue queues ev without blocking; a full queue drops it, counted.
// The Notifier's read lock is held, so the queue is open.
func (g *guard) enqueue(ev Event) {
	select {
	case g.q <- ev:
	default:
		g.drop(&ev)
	}
}

// droppedResolver is a sink that keeps state per fingerprint between
// events, such as Alertmanager's refresh of ongoing alerts, and so must
// hear of a resolution it will not be sent. resolveDropped must not block.
type droppedResolver interface {
	resolveDropped(ev Event)
}

// drop counts one event not delivered for want of room, rate or breaker,
// and tells a droppedResolver sink of a dropped resolution.
func (g *guard) drop(ev *Event) {
	g.dropped.Inc()
	g.miss()
	if r, ok := g.sink.(droppedResolver); ok && ev.Status == Resolved {
		r.resolveDropped(*ev)
	}
}

func (g *guard) miss() {
	if g.missed.Add(1) == 1 {
		g.missedSince.CompareAndSwap(0, g.n.cfg.Clock.Now().UnixNano())
	}
}

// run drains the queue until Close closes it; once Close gives up waiting
// (its context ended) the rest is dropped, counted.
func (g *guard) run() {
	defer g.n.workers.Done()
	defer func() {
		if g.unthrottle != nil {
			g.unthrottle()
		}
	}()
	for ev := range g.q {
		if g.n.base.Err() != nil {
			g.drop(&ev)
			continue
		}
		g.deliver(ev)
	}
}

// deliver sends ev through the rate limit and the breaker, and counts the
// outcome.
func (g *guard) deliver(ev Event) {
	if !g.ready() || !g.take() {
		g.drop(&ev)
		return
	}
	ticket, err := g.br.Allow(g.n.base)
	if err != nil {
		g.drop(&ev)
		return
	}
	err = g.send(ev)
	if err != nil {
		g.failed.Inc()
		g.miss()
	} else {
		g.sent.Inc()
	}
	g.settle(ticket, err)
}

// settle reports the outcome err of a send to the breaker and acts on it.
// err comes from the sink, user code whose methods (Error, Unwrap) may
// panic: the panic is logged and the sink's goroutine goes on.
func (g *guard) settle(ticket breaker.Ticket, err error) {
	defer func() {
		if p := recover(); p != nil {
			g.n.log(slog.LevelError, "alert sink "+g.name+" returned an error that panics when read",
				slog.String("sink", g.name),
				slog.String("attempted", "send an alert to sink "+g.name),
				slog.String("error", panics.Message(p)),
				slog.String("remedy", "fix the Error or Unwrap method of the sink's errors"))
		}
	}()
	ticket.Done(err)
	if err != nil {
		g.onFailure(err)
		return
	}
	g.recovered()
}

// ready reports whether the send abandoned at its timeout, if any, has
// returned: until then the sink is stuck, and events for it are dropped
// rather than piling goroutines onto it.
func (g *guard) ready() bool {
	if g.stuck == nil {
		return true
	}
	select {
	case <-g.stuck:
		g.stuck = nil
		return true
	default:
		return false
	}
}

// take spends one token of the sink's rate limit, if there is one.
func (g *guard) take() bool {
	if g.n.cfg.RateLimit < 0 {
		return true
	}
	now := g.n.cfg.Clock.Now()
	if dt := now.Sub(g.refilled); dt > 0 {
		g.tokens = min(float64(g.n.cfg.Burst), g.tokens+dt.Seconds()*g.n.cfg.RateLimit)
	}
	g.refilled = now
	if g.tokens < 1 {
		return false
	}
	g.tokens--
	return true
}

// send calls the sink on a goroutine of its own, with the timeout, and
// waits no longer than the timeout for it: a sink that ignores its context
// is abandoned (and the guard stuck until it returns), a sink that panics
// fails the send.
func (g *guard) send(ev Event) error {
	ctx, cancel := context.WithTimeout(g.n.base, g.n.cfg.Timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- errctx.New("send an alert to sink "+g.name, errctx.Fields("error", panics.Message(p)),
					errctx.Remedy("fix the sink's Send; it panicked"))
			}
		}()
		done <- g.sink.Send(ctx, ev)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		g.stuck = done
		return errctx.Wrap(ctx.Err(), "send an alert to sink "+g.name,
			errctx.WithClass(errctx.Indeterminate),
			errctx.Remedy("the sink did not return within Config.Timeout; check the destination or raise the timeout"))
	}
}

// onFailure logs the first failure after a success, and holds a throttled
// sink (an error classed Transient with a Retry-After) open for at least
// the time it asked for.
func (g *guard) onFailure(err error) {
	if g.missed.Load() == 1 {
		g.n.log(slog.LevelWarn, "alert sink failing: alerts it misses stay in the log with alert=true",
			slog.String("sink", g.name),
			slog.String("attempted", "send an alert to sink "+g.name),
			slog.String("error", err.Error()),
			slog.String("remedy", "check the destination; the failed and dropped alerts are counted in alert."+g.name+".failed and .dropped"))
	}
	wait, ok := errctx.RetryAfterOf(err)
	if !ok || wait <= 0 || errctx.ClassOf(err) != errctx.Transient {
		return
	}
	wait = min(wait, MaxRetryAfter)
	if g.unthrottle != nil {
		g.unthrottle()
	}
	g.br.ForceOpen("sink throttled: Retry-After " + wait.String())
	br := g.br
	g.unthrottle = g.n.cfg.Clock.AfterFunc(wait, br.Reset)
}

// recovered, after a success, sends the sink one message saying how many
// events it missed since when and where to find them, and logs it.
func (g *guard) recovered() {
	missed := g.missed.Swap(0)
	if missed == 0 {
		return
	}
	since := time.Unix(0, g.missedSince.Swap(0))
	summary := "alert sink " + g.name + " is back: it missed " + strconv.FormatInt(missed, 10) +
		" alerts since " + since.Format(time.RFC3339) + "; they are in the log with alert=true"
	g.n.log(slog.LevelInfo, summary, slog.String("sink", g.name), slog.Int64("missed", missed))
	note := Event{Alert: Alert{Summary: summary, Fingerprint: "alert.sink." + g.name + ".missed",
		Remedy: "search the log for alert=true since " + since.Format(time.RFC3339)}, FirstSeen: since, Occurrence: 1}
	note.Process = g.n.process
	if g.send(note) == nil {
		g.notes.Inc()
	}
}
