package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/panics"
	"github.com/vitals-go/vitals/internal/record"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/stats"
)

// outcome is what one run of a check found.
type outcome uint8

const (
	holds  outcome = iota // the invariant holds
	broken                // the invariant is broken: alert
	failed                // the check could not tell: no alert, no resolution
)

func (o outcome) String() string {
	switch o {
	case holds:
		return "holds"
	case broken:
		return "broken"
	}
	return "error"
}

// verdict is the result of one run of a check.
type verdict struct {
	outcome outcome
	// detail says in one line what was seen ("exit status 2", "value 3
	// below 10 for 5m").
	detail string
	// fields are details for the alert and the record (output, value).
	fields []slog.Attr
	// err, for failed, says why the check could not run: an errctx error
	// with a remedy.
	err error
}

// probe runs a check once; ctx carries --timeout and is cancelled when
// vitals is stopped.
type probe func(ctx context.Context) verdict

// runner runs a check once or every period, records and counts each run,
// and alerts on the transitions.
type runner struct {
	c         *cli
	name      string
	probe     probe
	sinks     []alert.Sink
	alert     alert.Alert // the alert of a broken run, without its details
	every     time.Duration
	timeout   time.Duration
	statePath string
	// errorsBreak makes a run that could not tell (failed) a broken one
	// (--on-error broken): the monitoring itself needs a person.
	errorsBreak bool

	log *slog.Logger // the run records, on stdout
	// The stats, check.<name>.*: the vocabulary of alert.Notifier's
	// checks, so that one panel shows both.
	em                                stats.Emitter
	runs, failed, errored, skippedRun *stats.Counter
	failing                           *stats.Gauge
	durationName                      string

	// announced is true once a firing event of this process was accepted:
	// with --every the sinks keep it firing (Alertmanager's refresh), so
	// it is not sent again until resolved.
	announced bool
}

func newRunner(c *cli, name string, p probe, em stats.Emitter) *runner {
	counter := func(what string) *stats.Counter { return em.NewCounter(stats.Name("check", name, what)) }
	return &runner{c: c, name: name, probe: p, em: em,
		log:  vlog.New(vlog.Options{Writer: escaping{c.stdout}}),
		runs: counter("runs"), failed: counter("failed"), errored: counter("errors"), skippedRun: counter("skipped"),
		failing:      em.NewGauge(stats.Name("check", name, "failing")),
		durationName: stats.Name("check", name, "duration")}
}

// loop runs the check now and then every period until ctx ends, one run
// at a time: a tick that finds the previous run still going is skipped.
func (r *runner) loop(ctx context.Context) {
	tick := time.NewTicker(r.every)
	defer tick.Stop()
	done := make(chan struct{}, 1)
	start := func() {
		go func() {
			r.once(ctx)
			done <- struct{}{}
		}()
	}
	running := true
	start()
	for {
		select {
		case <-ctx.Done():
			if running {
				<-done
			}
			return
		case <-done:
			running = false
		case <-tick.C:
			if running {
				r.skip()
				continue
			}
			running = true
			start()
		}
	}
}

// skip records and counts a run not started because the previous one is
// still going.
func (r *runner) skip() {
	r.skippedRun.Inc()
	r.log.LogAttrs(context.Background(), slog.LevelWarn, "check skipped: the previous run is still going",
		slog.String("check", r.name), slog.String("outcome", "skipped"),
		slog.String("remedy", "make the check faster, or run it less often (--every)"))
}

// once runs the check, then alerts or resolves, records and counts the
// run, and returns its verdict.
func (r *runner) once(ctx context.Context) verdict {
	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, r.timeout)
	v := r.safeProbe(pctx)
	cancel()
	if ctx.Err() != nil && v.outcome != holds { // stopped: what the probe saw is not a verdict
		v = verdict{outcome: failed, err: errctx.Wrap(errors.New("vitals was stopped during the run"), "run check "+r.name,
			errctx.Remedy("none needed: vitals was asked to stop"))}
	}
	if v.outcome == failed && r.errorsBreak && ctx.Err() == nil {
		v = verdict{outcome: broken, detail: "the check could not run: " + v.err.Error(),
			fields: append(v.fields, slog.String("check_remedy", strings.Join(errctx.RemediesOf(v.err), "; ")))}
	}
	d := time.Since(start)
	attrs := []slog.Attr{slog.String("check", r.name), slog.String("outcome", v.outcome.String()),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000)}
	if v.detail != "" {
		attrs = append(attrs, slog.String("detail", v.detail))
	}
	attrs = append(attrs, v.fields...)
	sent, firing := r.transition(v)
	attrs = append(attrs, sent...)
	level, msg := slog.LevelInfo, "check holds"
	switch v.outcome {
	case broken:
		level, msg = slog.LevelWarn, "check broken"
		r.failed.Inc()
	case failed:
		level, msg = slog.LevelError, "check could not run"
		attrs = append(attrs, slog.String("error", v.err.Error()), slog.String("remedy", strings.Join(errctx.RemediesOf(v.err), "; ")))
		r.errored.Inc()
	}
	r.runs.Inc()
	failing := 0.0 // one store: a flush between two would report 0 while the alert fires
	if firing {
		failing = 1
	}
	r.failing.Set(failing)
	r.em.Timing(r.durationName, d)
	r.log.LogAttrs(context.Background(), level, msg, attrs...)
	return v
}

// safeProbe runs the probe, turning a panic into a failed verdict.
func (r *runner) safeProbe(ctx context.Context) (v verdict) {
	defer func() {
		if p := recover(); p != nil {
			v = verdict{outcome: failed, err: errctx.Wrap(errors.New(panics.Message(p)), "run check "+r.name,
				errctx.Remedy("this is a bug in vitals; report it"))}
		}
	}()
	return r.probe(ctx)
}

// transition sends the alert of a broken run, or the resolution of the
// first run that holds after a broken one, keeps the state file, and
// returns the record's attributes saying what was sent and to whom, and
// whether the alert fires now (the state file's word).
func (r *runner) transition(v verdict) (attrs []slog.Attr, firing bool) {
	st, err := loadState(r.statePath)
	if err != nil {
		attrs = append(attrs, slog.String("state_error", err.Error()))
	}
	now := time.Now()
	var status alert.Status
	switch {
	case v.outcome == broken && (r.every == 0 || !r.announced || !st.Firing):
		status = alert.Firing
	case v.outcome == holds && st.Firing:
		status = alert.Resolved
	default:
		return attrs, st.Firing
	}
	a := r.alert
	if v.detail != "" {
		a.Fields = append(a.Fields, slog.String("detail", v.detail))
	}
	a.Fields = append(a.Fields, v.fields...)
	ev := newEvent(a, status, now)
	ev.Ongoing = r.every > 0
	if st.Firing {
		ev.FirstSeen = st.Since
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	res := deliver(ctx, r.sinks, ev)
	cancel()
	sinks := make([]any, 0, 2*len(res))
	for _, d := range res {
		outcome := "accepted"
		if d.err != nil {
			outcome = d.err.Error()
		}
		sinks = append(sinks, d.sink, outcome)
	}
	attrs = append(attrs, slog.String("alert", status.String()), slog.Group("sinks", sinks...))
	delivered := accepted(res) > 0
	if !delivered {
		fmt.Fprintf(r.c.stderr, "vitals check %s: the %s alert reached no sink; it is retried at the next run\n", record.Safe(r.name, 200), status)
	}
	var saved error
	switch {
	case status == alert.Firing:
		r.announced = delivered
		if !st.Firing {
			saved = checkState{Check: r.name, Firing: true, Since: now}.save(r.statePath)
		}
	case delivered:
		r.announced = false
		saved = checkState{Check: r.name}.save(r.statePath)
	}
	if saved != nil {
		attrs = append(attrs, slog.String("state_error", saved.Error()))
	}
	return attrs, status == alert.Firing || !delivered // a resolution no sink took leaves it firing
}

// exitStatus is the exit status of a single run; for a failed one it
// says why on stderr.
func (r *runner) exitStatus(v verdict) int {
	switch v.outcome {
	case holds:
		return exitOK
	case broken:
		return exitAttention
	}
	return r.c.fail(exitUnread, "vitals check: running the check "+record.Safe(r.name, 200), safeErr(v.err), strings.Join(errctx.RemediesOf(v.err), "; "))
}
