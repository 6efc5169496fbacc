package alert

import (
	"context"
	"log/slog"
	"sync"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/internal/configerr"
	"github.com/vitals-go/vitals/internal/record"
)

// WatchBreaker pages when b rejects calls and resolves the page when it
// lets them through again: watch the breakers whose opening means users
// are affected (those marked breaker.Config.Critical), not every breaker.
//
// The alert fires, with Fire, when b enters Open or ForcedOpen, whether
// forced by ForceOpen or held by a breaker.Latch; it stays firing through
// HalfOpen and an Open again, and is resolved when b enters Closed or
// Disabled. A breaker already open when the watch starts (a latch that
// tripped in an earlier run) fires at once. The alert is a Page with the
// summary "<breaker> breaker open", the fingerprint "breaker:<breaker>",
// the fields "breaker", "state" and "reason", the breaker's last error as
// Err, and the request ID and trace of the call that opened it.
//
// Transitions arrive through breaker.Subscribe, on the breaker's listener
// goroutine: the breaker's callers never wait for an alert. stop
// unsubscribes and resolves the alert if it is firing, since no later
// transition will; Close unsubscribes too, leaving the sinks to let a
// firing alert expire. WatchBreaker refuses, with an errctx error, a nil
// breaker and a breaker of the same name already watched by this
// Notifier.
func (n *Notifier) WatchBreaker(b *breaker.Breaker) (stop func(), err error) {
	if b == nil {
		return nil, configerr.New("alert", "WatchBreaker's breaker", "is nil", "pass the breaker to watch")
	}
	w := &watch{n: n, fingerprint: "breaker:" + b.Name()}
	unsubscribe := b.Subscribe(func(t breaker.Transition) {
		w.apply(t.Context(), t.To, t.Generation, t.Reason, t.LastError)
	})
	var once sync.Once
	stop = func() {
		once.Do(func() {
			unsubscribe()
			w.stop(true)
			n.removeRunning(w.fingerprint)
		})
	}
	closed := func() {
		unsubscribe()
		w.stop(false)
	}
	if !n.addRunning(w.fingerprint, closed) {
		unsubscribe()
		return nil, configerr.New("alert", "WatchBreaker's breaker", "is named "+b.Name()+", which this Notifier watches already",
			"watch each breaker once; give distinct breakers distinct names")
	}
	s := b.Snapshot()
	w.apply(context.Background(), s.State, s.Generation, s.Reason, s.LastError)
	return stop, nil
}

// watch is the state of one WatchBreaker.
type watch struct {
	n           *Notifier
	fingerprint string

	// mu orders the start's snapshot and the transitions, which arrive on
	// different goroutines, and is held while the alert is raised or
	// resolved so that they reach the sinks in the breaker's order.
	mu      sync.Mutex
	applied uint64 // 1 + the generation of the last state applied; 0 before the first
	firing  bool
	stopped bool
}

// apply acts on the breaker's entering state st in generation gen, unless
// a later generation was applied already.
func (w *watch) apply(ctx context.Context, st breaker.State, gen uint64, reason string, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped || gen < w.applied {
		return
	}
	w.applied = gen + 1
	name := w.fingerprint[len("breaker:"):]
	switch st {
	case breaker.Open, breaker.ForcedOpen:
		if w.firing {
			return
		}
		w.firing = true
		remedy := "calls to " + name + " fail fast while the breaker is open: find why " + name +
			" fails (the error, the breaker's records) and restore it; this alert resolves when the breaker closes"
		if st == breaker.ForcedOpen {
			remedy = "calls to " + name + " are rejected until the breaker is reset: find the cause (the reason, the error), fix it, then reset the breaker or its latch"
		}
		w.n.Fire(ctx, Alert{
			Summary:     name + " breaker open",
			Severity:    Page,
			Fingerprint: w.fingerprint,
			Remedy:      remedy,
			Err:         cause,
			Fields: []slog.Attr{
				slog.String("breaker", name),
				slog.String("state", st.String()),
				slog.String("reason", record.Safe(reason, maxOperation)),
			},
		})
	case breaker.Closed, breaker.Disabled:
		if w.firing {
			w.firing = false
			w.n.Resolve(ctx, w.fingerprint)
		}
	}
}

// stop ends the watch; resolve says to resolve a firing alert.
func (w *watch) stop(resolve bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	if resolve && w.firing {
		w.firing = false
		w.n.Resolve(context.Background(), w.fingerprint)
	}
}
