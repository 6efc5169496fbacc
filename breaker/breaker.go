package breaker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/vitals-go/vitals/stats"
)

// ErrOpen is wrapped by every rejection: errors.Is(err, ErrOpen) reports that
// the breaker refused the call without making it.
var ErrOpen = errors.New("circuit breaker is open")

// Breaker guards calls to one dependency. It is safe for concurrent use; the
// closed-state path is a few atomic operations with no lock and no
// allocation.
type Breaker struct {
	cur atomic.Pointer[gen] // the current generation; read by every call

	cfg     Config
	name    string
	fast    bool // Allow needs no clock read (no slow policy, time window or timing)
	plain   bool // fast and default classification: a nil error is a plain success
	precise bool // read the clock with time.Since rather than the coarse clock
	// coarseSlow: a slow-call policy on the coarse clock, whose calls that
	// look fast are checked on the precise clock (see Breaker.end)
	coarseSlow bool
	clock      Clock
	base       time.Time // origin of the nanosecond clock used by calls
	tracer     trace.Tracer

	emitter    stats.Emitter
	success    *stats.Counter                             // calls.success, made by New: every call adds to it
	counters   [numCounters]atomic.Pointer[stats.Counter] // the others, made at first use (see counterID)
	stateGauge *stats.Gauge
	timingName string // with Config.TimeCalls only

	mu    sync.Mutex // serialises transitions; never held while publishing
	trips int        // consecutive trips since the breaker last closed

	pub       mailbox[published]
	subMu     sync.Mutex
	listeners atomic.Pointer[[]*mailbox[Transition]]
	latch     atomic.Pointer[Latch] // holds every opening, when set
}

type errBox struct{ err error }

// gen is one generation: the time between two transitions. Everything a call
// records goes into the generation it started in, so the results of calls
// that started before a transition cannot move the state that followed.
type gen struct {
	b      *Breaker
	id     uint64
	state  State
	since  time.Time
	reason string
	// cause is the error of the failure that opened the breaker (nil when
	// that failure was a result without an error), kept by the open
	// generation and the half-open one that follows.
	cause error

	// Flags of the hot path, fixed for the generation.
	fastAllow bool           // closed, and Allow needs no clock read
	fastDone  bool           // closed, and a nil error is a plain success
	timedDone bool           // closed, and a nil error is a success unless slow
	direct    bool           // Do and Run need no deadline and no probe guard
	watch     bool           // Do and Run count a panic of fn: someone may see the count
	ok        *stats.Counter // breaker.<name>.calls.success
	rejected  *stats.Counter // breaker.<name>.calls.rejected, in the states that reject

	// closed
	consec atomic.Int64
	win    *window

	// half-open
	probes    atomic.Int32
	successes atomic.Int32
	active    atomic.Int64 // when a probe last started or reported, in ns since b.base

	// open, forced open and half-open (probe limit reached)
	until   time.Time
	expired atomic.Bool
	reject  atomic.Pointer[errBox]
	stop    func() bool // stops the open timer; guarded by Breaker.mu
}

// New returns a closed breaker configured by cfg, or an errctx error naming
// the first invalid field.
func New(cfg Config) (*Breaker, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	b := &Breaker{cfg: cfg, name: cfg.Name, clock: steady(cfg.Clock)}
	measures := cfg.SlowCallDuration > 0 || cfg.WindowDuration > 0
	b.fast = !measures && !cfg.TimeCalls
	b.precise = cfg.TimeCalls
	b.plain = b.fast && cfg.Classify == nil
	switch {
	case b.clock != nil:
		b.base = b.clock.Now()
	case measures && !b.precise:
		finest := cfg.SlowCallDuration
		if w := cfg.WindowDuration / time.Duration(cfg.WindowBuckets); w > 0 && (finest == 0 || w < finest) {
			finest = w
		}
		coarseStart(coarseResolution(finest))
		b.base = coarse.base
		b.coarseSlow = cfg.SlowCallDuration > 0
	default:
		b.base = time.Now()
	}
	if b.clock == nil {
		b.clock = wallClock{}
	}
	tp := cfg.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	b.tracer = tp.Tracer("github.com/vitals-go/vitals/breaker")

	b.emitter = cfg.Stats
	if b.emitter == nil {
		b.emitter = stats.Default()
	}
	b.success = b.counter(callsBy + counterID(Success))
	b.stateGauge = b.emitter.NewGauge(stats.Name("breaker", b.name, "state"))
	b.stateGauge.Set(0)
	if cfg.TimeCalls {
		b.timingName = stats.Name("breaker", b.name, "duration")
	}

	b.pub.deliver = func(p published) {
		if p.listenerLost > 0 {
			b.logUserFault(context.Background(), "breaker listener fell behind",
				"delivering the transitions of "+b.name, fmt.Sprintf("%d transitions were dropped while a listener given to Subscribe did not return", p.listenerLost),
				"make the listener return quickly (hand slow work to a goroutine of your own)")
			return
		}
		b.publish(p.t)
	}
	b.pub.lost = func(n int) {
		b.logUserFault(context.Background(), "breaker transitions not published",
			"publishing the transitions of "+b.name, fmt.Sprintf("%d transitions were neither logged nor traced while the log handler or tracer did not return", n),
			"give the breaker a log handler (Config.Logger) and a tracer that return quickly")
	}
	b.cur.Store(b.newGen(nil, Closed, "created", nil, b.clock.Now()))
	return b, nil
}

// Name returns the breaker's name.
func (b *Breaker) Name() string { return b.name }

// State returns the current state. An open breaker whose open period has
// elapsed still reports Open until the next call moves it to HalfOpen.
func (b *Breaker) State() State { return b.cur.Load().state }

// ForceOpen rejects every call until Reset, whatever the policies say. The
// reason is logged, published and quoted in every rejection. Its
// rejections are of class errctx.Permanent, since only Reset ends them:
// retry does not repeat them.
func (b *Breaker) ForceOpen(reason string) {
	b.manual(ForcedOpen, "forced open: "+reason)
}

// Disable lets every call through until Reset, whatever the policies say;
// calls are still counted in the stats.
func (b *Breaker) Disable() { b.manual(Disabled, "disabled") }

// Reset puts the breaker back in automatic mode: closed, with a new
// generation and empty counts.
func (b *Breaker) Reset() { b.manual(Closed, "reset") }

func (b *Breaker) manual(to State, reason string) {
	ctx := context.Background()
	for {
		g := b.cur.Load()
		if b.transition(ctx, g, to, reason, nil) {
			return
		}
	}
}

// newGen builds the generation that starts now. Callers hold b.mu, except New.
func (b *Breaker) newGen(prev *gen, to State, reason string, cause error, now time.Time) *gen {
	g := &gen{b: b, state: to, since: now, reason: reason, cause: cause, ok: b.success}
	g.fastAllow = to == Closed && b.fast
	g.fastDone = to == Closed && b.plain
	g.timedDone = to == Closed && !b.fast && !b.cfg.TimeCalls && b.cfg.Classify == nil
	g.direct = (to == Closed || to == Disabled) && b.cfg.Timeout == 0
	// A panic in a closed or disabled generation changes nothing but
	// calls.panicked, so with stats.Discard nothing could see it and Do and
	// Run spare the deferred check (13 of 91 instructions of a plain Do).
	g.watch = b.emitter != stats.Discard
	if prev != nil {
		g.id = prev.id + 1
	}
	switch to {
	case Closed:
		b.trips = 0
		switch {
		case b.cfg.rates() && b.cfg.WindowDuration > 0:
			g.win = newTimeWindow(int64(b.cfg.WindowDuration)/int64(b.cfg.WindowBuckets), b.cfg.WindowBuckets)
		case b.cfg.rates():
			g.win = newCountWindow(b.cfg.WindowSize)
		}
	case Open:
		g.rejected = b.counter(rejectedCalls)
		d := b.openDuration(b.trips)
		b.trips++
		g.until = now.Add(d)
		g.reject.Store(&errBox{b.rejection(g, d)})
		b.armOpenTimer(g, d)
	case HalfOpen:
		g.rejected = b.counter(rejectedCalls)
		g.active.Store(int64(now.Sub(b.base)))
		g.reject.Store(&errBox{b.rejection(g, 0)})
	case ForcedOpen:
		g.rejected = b.counter(rejectedCalls)
		g.reject.Store(&errBox{b.rejection(g, 0)})
	}
	return g
}

// openDuration is the open period after trips consecutive trips: grown,
// capped, then jittered.
func (b *Breaker) openDuration(trips int) time.Duration {
	d := float64(b.cfg.OpenDuration)
	for i := 0; i < trips && b.cfg.OpenGrowth > 1 && d < float64(b.cfg.MaxOpenDuration); i++ {
		d *= b.cfg.OpenGrowth
	}
	d = min(d, float64(b.cfg.MaxOpenDuration))
	if j := b.cfg.Jitter; j > 0 {
		d *= 1 - j + 2*j*rand.Float64()
	}
	return max(time.Duration(min(d, math.MaxInt64/2)), time.Millisecond)
}

// refreshEvery is how often an open generation's rejection error is rebuilt
// so that its Retry-After stays within a second of the truth (Retry-After
// headers count whole seconds anyway).
const refreshEvery = time.Second

// armOpenTimer schedules the next refresh of g's rejection error, or the end
// of its open period. Callers hold b.mu.
func (b *Breaker) armOpenTimer(g *gen, left time.Duration) {
	g.stop = b.clock.AfterFunc(min(left, refreshEvery), func() { b.openTick(g) })
}

func (b *Breaker) openTick(g *gen) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur.Load() != g {
		return
	}
	left := g.until.Sub(b.clock.Now())
	if left <= 0 {
		g.expired.Store(true)
		return
	}
	g.reject.Store(&errBox{b.rejection(g, left)})
	b.armOpenTimer(g, left)
}

// transition moves the breaker from generation from to a new one in state to,
// unless another transition came first (then it reports false and does
// nothing). cause is the error of the failure that opens the breaker, if any. The transition is queued for publication under the lock, which
// keeps the order, and published by another goroutine; the event on the
// causing call's span is added here, after the lock is released, while that
// span is still live.
func (b *Breaker) transition(ctx context.Context, from *gen, to State, reason string, cause error) bool {
	if to != Closed && to != Disabled {
		// Made here, before the lock, so that newGen finds it: the
		// emitter is not called under the breaker's lock.
		b.counter(rejectedCalls)
	}
	b.mu.Lock()
	if b.cur.Load() != from {
		b.mu.Unlock()
		return false
	}
	if from.stop != nil {
		from.stop()
	}
	now := b.clock.Now()
	counts := b.counts(from)
	genReason, latched := reason, false
	if l := b.latch.Load(); l != nil && to == Open {
		to, latched = ForcedOpen, true
		genReason = l.holdOpening(reason, cause, now)
	}
	g := b.newGen(from, to, genReason, cause, now)
	b.cur.Store(g)
	tr := Transition{
		Breaker:    b.name,
		From:       from.state,
		To:         to,
		Reason:     reason,
		At:         now,
		Generation: g.id,
		Counts:     counts,
		OpenUntil:  g.until,
		ctx:        context.WithoutCancel(ctx),
		latched:    latched,
	}
	if to == Open || to == ForcedOpen {
		tr.LastError = cause
	}
	tr.SpanContext = trace.SpanContextFromContext(ctx)
	// The gauge is a handle (an atomic store), set here so that it follows
	// the state at once and in order.
	b.stateGauge.Set(to.gaugeValue())
	b.pub.post(published{t: tr})
	// Listeners are posted here, in order under the lock, rather than after
	// the log record: a slow log handler must not delay them (the latch
	// records trips through one).
	if ls := b.listeners.Load(); ls != nil {
		for _, l := range *ls {
			l.post(tr)
		}
	}
	b.mu.Unlock()
	// A counter is a sum: it need not follow the order, and its handle may
	// be made now (by the emitter, not under the breaker's lock).
	b.counter(transitionsTo + counterID(to)).Inc()

	// The span is the caller's, of a tracer that may have a bug: it must
	// not reach the call.
	safely(func() {
		if span := trace.SpanFromContext(ctx); span.IsRecording() {
			span.AddEvent("breaker."+to.String(), trace.WithTimestamp(now), trace.WithAttributes(tr.attributes()...))
		}
	})
	return true
}

// String describes the breaker for logs and debugging.
func (b *Breaker) String() string {
	return fmt.Sprintf("breaker %s (%s)", b.name, b.State())
}
