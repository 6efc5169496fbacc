package alert

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/vitals-go/vitals/internal/callsite"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

// A Notifier throttles alerts per fingerprint, records each one in the log
// and hands it to its sinks, each guarded so that no sink can fail, block
// or slow a caller. Its methods are safe for concurrent use.
//
// Its counts reconcile exactly once Close has returned: alert.notified
// counts every Notify, Error and Fire and every Resolve that resolves
// something, and for each sink
//
//	alert.notified + alert.<sink>.digests =
//	    alert.<sink>.sent + .failed + .dropped + .suppressed
//
// since each occurrence is either held back (suppressed) or becomes an
// event, each window's digest is an event nobody raised, and each event
// ends sent, failed or dropped.
type Notifier struct {
	cfg     Config
	process reqid.Identity
	guards  []*guard
	shards  [shardCount]shard
	tracked atomic.Int64 // entries in shards
	sites   siteCache
	running running // checks and breaker watches, stopped by Close

	notified *stats.Counter

	// mu orders enqueues before Close closes the queues.
	mu       sync.RWMutex
	closed   bool
	stops    []func() // run by Close: unsubscribes, check stoppers, the sweep timer
	base     context.Context
	abort    context.CancelFunc
	workers  sync.WaitGroup
	children sync.WaitGroup // checks and other goroutines Close waits for
}

// New returns a Notifier for cfg, or an errctx error naming the field of
// cfg that is invalid. It starts one goroutine per sink; Close stops them.
func New(cfg Config) (*Notifier, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	n := &Notifier{cfg: cfg, process: reqid.Process(), notified: cfg.Emitter.NewCounter("alert.notified")}
	n.base, n.abort = context.WithCancel(context.Background())
	for _, s := range cfg.Sinks {
		g, err := newGuard(n, s)
		if err != nil {
			n.abort()
			return nil, err
		}
		n.guards = append(n.guards, g)
	}
	for _, g := range n.guards {
		n.workers.Add(1)
		go g.run()
	}
	n.armSweep()
	return n, nil
}

// armSweep schedules the next sweep one window from now.
func (n *Notifier) armSweep() {
	var stop func() bool
	stop = n.cfg.Clock.AfterFunc(n.cfg.Window, func() {
		// Registered as a child before Close can see closed set, so that
		// Close waits for a sweep under way: the counters are final when
		// Close returns.
		n.mu.RLock()
		closed := n.closed
		if !closed {
			n.children.Add(1)
		}
		n.mu.RUnlock()
		if !closed {
			defer n.children.Done()
			n.sweep()
			n.armSweep()
		}
	})
	n.onClose(func() { stop() })
}

// onClose registers fn to run when the Notifier closes, or runs it now if
// it already has.
func (n *Notifier) onClose(fn func()) {
	n.mu.Lock()
	if !n.closed {
		n.stops = append(n.stops, fn)
		n.mu.Unlock()
		return
	}
	n.mu.Unlock()
	fn()
}

// Notify raises a, one occurrence of the problem its fingerprint names. The
// throttle decides whether it is delivered (the 1st, 10th, 100th...
// occurrence in the window) or counted in the next digest; a delivered
// alert is logged on the caller's goroutine and queued for every sink.
// Notify never returns an error, never blocks on a sink and never panics.
//
//go:noinline
func (n *Notifier) Notify(ctx context.Context, a Alert) {
	n.notify(ctx, &a, callsite.PC())
}

// Error raises an alert for err: Summary is err's text, Remedy and Fields
// come from the errctx layers, and the fingerprint is derived from the
// attempted steps, the class and the call site of Error, never from the
// error's text. A nil err raises nothing.
//
//go:noinline
func (n *Notifier) Error(ctx context.Context, err error) {
	if err == nil {
		return
	}
	n.notify(ctx, &Alert{Err: err}, callsite.PC())
}

func (n *Notifier) notify(ctx context.Context, a *Alert, pc uintptr) {
	settled := false
	defer n.guardOccurrence(&settled)
	n.notified.Inc()
	now := n.cfg.Clock.Now()
	key := n.keyOf(a, pc)
	v, ok := n.lookup(key, a, now).occur(now, n.cfg.Window)
	for !ok { // swept or resolved meanwhile: count it in the entry that replaces it
		v, ok = n.lookup(key, a, now).occur(now, n.cfg.Window)
	}
	if !v.deliver {
		n.suppress()
		settled = true
		return
	}
	ev := n.event(ctx, a, Firing)
	ev.Fingerprint = v.fingerprint
	ev.Occurrence, ev.Suppressed, ev.FirstSeen, ev.LastSeen = v.occurrence, v.suppressed, v.first, v.last
	n.publish(ev)
	settled = true
}

// suppress counts one occurrence held back, in every sink's suppressed.
func (n *Notifier) suppress() {
	for _, g := range n.guards {
		g.suppressed.Inc()
	}
}

// Fire raises a as an ongoing condition: it is delivered once, with
// Ongoing set, and repeats are counted as suppressed until
// Resolve(ctx, a.Fingerprint), which a must therefore carry (a derived one
// is used, and returned, when it does not). It returns the fingerprint to
// resolve.
//
//go:noinline
func (n *Notifier) Fire(ctx context.Context, a Alert) (fingerprint string) {
	settled := false
	defer n.guardOccurrence(&settled)
	n.notified.Inc()
	now := n.cfg.Clock.Now()
	if a.Fingerprint == "" {
		a.Fingerprint = fingerprintText(n.keyOf(&a, callsite.PC()))
	}
	key := n.keyOf(&a, 0)
	e := n.lookup(key, &a, now)
	e.mu.Lock()
	for e.gone {
		e.mu.Unlock()
		e = n.lookup(key, &a, now)
		e.mu.Lock()
	}
	first := !e.ongoing
	e.ongoing = true
	if first {
		e.count, e.first, e.last = 1, now, now
	}
	fingerprint = e.fingerprint
	e.mu.Unlock()
	if first {
		ev := n.event(ctx, &a, Firing)
		ev.Fingerprint, ev.Ongoing, ev.Occurrence, ev.FirstSeen, ev.LastSeen = fingerprint, true, 1, now, now
		n.publish(ev)
	} else {
		n.suppress()
	}
	settled = true
	return fingerprint
}

// Resolve tells the sinks that the ongoing condition fingerprint, raised
// by Fire, no longer holds; it counts in alert.notified like any event
// raised. Resolving a fingerprint that is not firing does nothing.
func (n *Notifier) Resolve(ctx context.Context, fingerprint string) {
	defer n.guardCaller()
	key := hashString(hashByte(fnvOffset, 'f'), fingerprint)
	s := &n.shards[key%shardCount]
	var ev Event
	found := false
	s.mu.Lock()
	if e := s.get(key); e != nil {
		e.mu.Lock()
		if e.ongoing {
			found, e.gone = true, true
			ev = Event{Alert: e.alert, Status: Resolved, Ongoing: true, Occurrence: e.count, FirstSeen: e.first, LastSeen: n.cfg.Clock.Now()}
		}
		e.mu.Unlock()
		if found {
			s.edit(func(m map[uint64]*entry) { delete(m, key) })
			n.tracked.Add(-1)
		}
	}
	s.mu.Unlock()
	if !found {
		return
	}
	settled := false
	defer n.guardOccurrence(&settled)
	n.notified.Inc()
	n.addContext(ctx, &ev)
	n.publish(ev)
	settled = true
}

// publish logs ev and queues it for every sink.
func (n *Notifier) publish(ev Event) {
	n.record(ev)
	n.mu.RLock()
	defer n.mu.RUnlock()
	for _, g := range n.guards {
		if n.closed {
			g.drop(&ev)
			continue
		}
		g.enqueue(ev)
	}
}
