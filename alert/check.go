package alert

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/configerr"
	"github.com/vitals-go/vitals/internal/panics"
	"github.com/vitals-go/vitals/internal/record"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

// DefaultCheckTimeout bounds one run of a check whose CheckConfig.Timeout
// is zero and whose Every is longer.
const DefaultCheckTimeout = 30 * time.Second

// MinCheckEvery is the shortest period of a check: a shorter one would
// spin, and no invariant needs looking at more often.
const MinCheckEvery = time.Millisecond

// maxCheckName bounds CheckConfig.Name, which ends up in stats names.
const maxCheckName = 64

// CheckConfig configures an invariant check run by Notifier.CheckWith.
// Name, Every and Run are required; the zero value of every other field
// means its documented default.
type CheckConfig struct {
	// Name names the check in its alert's fingerprint ("check.<name>", the
	// fingerprint the vitals command gives its checks' alerts) and its
	// stats (check.<name>.*, lower case): ASCII letters, digits, '_' and
	// '-', at most 64 bytes, distinct among the Notifier's checks
	// regardless of case, since stats names are lower case and two names
	// that differ only in case would count into one series.
	Name string
	// Every is the period of the check, at least MinCheckEvery: it runs at
	// once, then every Every.
	Every time.Duration
	// Run checks the invariant: nil when it holds, an error saying what is
	// wrong when it does not (an errctx error's remedies and fields go into
	// the alert). It must honour ctx, which ends after Timeout and when
	// the Notifier closes. A panic in Run is a failure of the check.
	Run func(ctx context.Context) error
	// Timeout bounds one run: a run that has not returned by then is a
	// failure, its ctx is cancelled, and the check does not run again
	// until it has returned. Zero means Every, at most
	// DefaultCheckTimeout.
	Timeout time.Duration
	// Severity is the alert's; the zero value is Ticket.
	Severity Severity
	// Summary is the alert's summary; empty means "check <name> failed".
	// Keep it free of counts and IDs: Alertmanager keys alerts by it
	// (alertname). The error goes with it as the alert's Err.
	Summary string
	// Remedy says what to do when the invariant does not hold; it comes
	// before the error's own remedies in the alert.
	Remedy string
}

// Check runs an invariant check (seed 002's "scripts that assert
// invariants"): run at once, then every every, alerting when it fails and
// resolving when it holds again. It is CheckWith with the defaults:
//
//	stop, err := n.Check("paid-without-auth-code", time.Minute, func(ctx context.Context) error {
//		if k := db.countPaidWithoutAuthCode(ctx, 5*time.Minute); k > 0 {
//			return fmt.Errorf("%d purchases paid for 5 minutes without an authorization code", k)
//		}
//		return nil
//	})
func (n *Notifier) Check(name string, every time.Duration, run func(ctx context.Context) error) (stop func(), err error) {
	return n.CheckWith(CheckConfig{Name: name, Every: every, Run: run})
}

// CheckWith runs the check cfg describes until stop is called or the
// Notifier closes, and returns stop, or an errctx error naming the field of
// cfg that is invalid.
//
// A failing run fires the alert (Fire, so the sinks keep it firing: one
// alert however many runs fail) with cfg's Severity, Summary and Remedy,
// the error as Err, the field "check" and a request ID of the run's own,
// which the run's ctx carries for its log records. A run that holds
// resolves it. A run that panics or outlasts Timeout is a failure; its
// error says which.
//
// A check never overlaps itself: a tick that finds the previous run still
// going is skipped and counted. Runs happen on goroutines of their own.
// A run starts only once the outcome of the previous one is reported.
//
// stop ends the check gracefully: no more runs start, the run going, if
// any, is let finish (within its Timeout), its outcome is reported, and
// stop returns. Close instead cancels the run going and waits for it as
// long as its own ctx allows; the outcome of a run cancelled so is not
// reported. A run that ignores its ctx cannot be stopped: it is left
// behind.
//
// Its stats, under the Notifier's Emitter, are those of vitals check (the
// same vocabulary, so that one panel shows both; <name> in lower case):
// the counters check.<name>.runs (each run that returned or timed out),
// .failed (the invariant did not hold: an error, a timeout or a panic),
// .timeouts, .panics and .skipped (a tick that found the previous run
// still going), the gauge .failing (1 while the alert fires, else 0) and
// the timing .duration of each run that returned.
func (n *Notifier) CheckWith(cfg CheckConfig) (stop func(), err error) {
	cfg, err = cfg.normalize()
	if err != nil {
		return nil, err
	}
	c := newCheck(n, cfg)
	// Registered by its stats prefix: names that differ only in case
	// would share one stats series.
	key := c.prefix
	var once sync.Once // a second stop must not free the name of a later check
	stop = func() {
		once.Do(func() {
			c.stop()
			n.removeRunning(key)
		})
	}
	if !n.addRunning(key, c.cancelRuns) {
		c.cancel()
		return nil, configerr.New("alert", "CheckConfig.Name", "is "+cfg.Name+", the name of a running check",
			"give each check of a Notifier a distinct name")
	}
	c.tick()
	return stop, nil
}

// normalize checks c and fills its defaults.
func (c CheckConfig) normalize() (CheckConfig, error) {
	err := checkConfig("CheckConfig",
		rule{c.Name == "" || len(c.Name) > maxCheckName || strings.TrimFunc(c.Name, nameChar) != "", "Name",
			"is " + record.Quote(c.Name, maxCheckName+8) + ", not 1 to 64 ASCII letters, digits, '_' or '-'",
			"name the invariant, e.g. \"paid-without-auth-code\""},
		rule{c.Every < MinCheckEvery, "Every", "is " + c.Every.String() + ", below " + MinCheckEvery.String(),
			"set the period of the check, e.g. time.Minute"},
		rule{c.Run == nil, "Run", "is nil", "give the function that checks the invariant"},
		notNegative("Timeout", c.Timeout))
	if err != nil {
		return CheckConfig{}, err
	}
	if c.Timeout == 0 {
		c.Timeout = min(c.Every, DefaultCheckTimeout)
	}
	return c, nil
}

// nameChar reports whether r may appear in a check's name.
func nameChar(r rune) bool {
	return r < 0x80 && (r == '_' || r == '-' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
}

// check is one running CheckConfig.
type check struct {
	n           *Notifier
	cfg         CheckConfig
	fingerprint string
	ctx         context.Context // ended by Close, or by stop once the last run is over
	cancel      context.CancelFunc

	prefix                                    string // of its stats: "check.<name>.", lower case
	runs, failed, timeouts, panicked, skipped *stats.Counter
	failing                                   *stats.Gauge
	duration                                  string

	mu      sync.Mutex
	stopped bool
	running bool        // a run (perhaps timed out) has not returned
	timer   func() bool // stops the next tick
	firing  bool
	// wg counts the goroutines that wait for runs, for stop to wait on;
	// Add happens under mu while not stopped.
	wg sync.WaitGroup
}

func newCheck(n *Notifier, cfg CheckConfig) *check {
	e := n.cfg.Emitter
	p := "check." + strings.ToLower(cfg.Name) + "."
	c := &check{n: n, cfg: cfg, fingerprint: "check." + cfg.Name, prefix: p,
		runs: e.NewCounter(p + "runs"), failed: e.NewCounter(p + "failed"), timeouts: e.NewCounter(p + "timeouts"),
		panicked: e.NewCounter(p + "panics"), skipped: e.NewCounter(p + "skipped"),
		failing: e.NewGauge(p + "failing"), duration: p + "duration"}
	c.ctx, c.cancel = context.WithCancel(n.base)
	c.failing.Set(0)
	return c
}

// tick starts a run unless one is going, and schedules the next tick.
func (c *check) tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.timer = c.n.cfg.Clock.AfterFunc(c.cfg.Every, c.tick)
	if c.running {
		c.skipped.Inc()
		return
	}
	c.running = true
	c.wg.Add(1)
	if !c.n.goChild(c.run) {
		c.wg.Done() // the Notifier closed
	}
}

// run runs the check once and reports the outcome. The check stays
// running until the outcome is reported, so that a later run cannot report
// before it; or, for a run that timed out, until Run returns.
func (c *check) run() {
	defer c.wg.Done()
	ctx := reqid.With(c.ctx, reqid.New())
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	start := c.n.cfg.Clock.Now()
	var returned, abandoned bool // under c.mu
	done := make(chan outcome, 1)
	// Run has a goroutine of its own, so that one that ignores ctx holds
	// neither this one nor stop and Close, which wait for this one.
	go func() {
		err := c.call(ctx)
		o := outcome{err: err, cancelled: c.ctx.Err() != nil}
		c.mu.Lock()
		returned = true
		if abandoned {
			c.running = false
		}
		c.mu.Unlock()
		done <- o
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		c.mu.Lock()
		abandoned = !returned
		c.mu.Unlock()
		if !abandoned {
			o = <-done // it returned as its time ran out: its word counts
			break
		}
		if c.ctx.Err() != nil {
			c.awaitStopped(ctx, done)
			return
		}
		c.timeouts.Inc()
		c.runs.Inc()
		c.report(ctx, errctx.Wrap(context.DeadlineExceeded, "run check "+c.cfg.Name,
			errctx.WithClass(errctx.Indeterminate),
			errctx.Remedy("make the check return within "+c.cfg.Timeout.String()+" and honour its ctx, or raise CheckConfig.Timeout")))
		return
	}
	if !o.cancelled { // else its outcome is Close's cancellation's, which says nothing
		c.n.cfg.Emitter.Timing(c.duration, c.n.cfg.Clock.Now().Sub(start))
		c.runs.Inc()
		c.report(ctx, o.err)
	}
	c.mu.Lock()
	c.running = false
	c.mu.Unlock()
}

// outcome is what a run returned, and whether Close had cancelled it by
// then.
type outcome struct {
	err       error
	cancelled bool
}

// awaitStopped gives a run cancelled by Close until its deadline
// to return, or until Close gives up waiting.
func (c *check) awaitStopped(ctx context.Context, done <-chan outcome) {
	deadline, _ := ctx.Deadline()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-c.n.base.Done():
	}
}

// call runs cfg.Run, turning a panic into an error.
func (c *check) call(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.panicked.Inc()
			err = errctx.Wrap(panicError{p}, "run check "+c.cfg.Name,
				errctx.WithClass(errctx.Indeterminate),
				errctx.Remedy("fix the check: it panicked"),
				errctx.Fields("stack", panics.Stack(MaxStack)))
		}
	}()
	return c.cfg.Run(ctx)
}

// report fires the alert for a failed run and resolves it after a run
// that held.
func (c *check) report(ctx context.Context, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		if c.firing {
			c.firing = false
			c.failing.Set(0)
			c.n.Resolve(ctx, c.fingerprint)
		}
		return
	}
	c.failed.Inc()
	if c.firing {
		return
	}
	c.firing = true
	c.failing.Set(1)
	summary := c.cfg.Summary
	if summary == "" {
		summary = "check " + c.cfg.Name + " failed"
	}
	remedies := errctx.RemediesOf(err)
	if c.cfg.Remedy != "" {
		remedies = append([]string{c.cfg.Remedy}, remedies...)
	}
	c.n.Fire(ctx, Alert{Summary: summary, Severity: c.cfg.Severity, Fingerprint: c.fingerprint,
		Remedy: strings.Join(remedies, "; "), Err: err, Fields: []slog.Attr{slog.String("check", c.cfg.Name)}})
}

// stop ends the check and waits for the run going, if any, to return
// (within its Timeout) and be reported.
func (c *check) stop() {
	c.halt()
	c.wg.Wait()
	c.cancel()
}

// cancelRuns ends the check without waiting: no more ticks, the run going
// is cancelled. Close calls it, then waits for the runs as long as its ctx
// allows.
func (c *check) cancelRuns() {
	c.halt()
	c.cancel()
}

// halt stops the ticks.
func (c *check) halt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.timer != nil {
		c.timer()
	}
}
