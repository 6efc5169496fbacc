package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/internal/record"
	"github.com/vitals-go/vitals/stats"
)

// minEvery is the shortest --every: a loop faster than that would only
// write records of skipped runs.
const minEvery = 10 * time.Millisecond

var checkCommand = &command{
	name:    "check",
	summary: "run an invariant check once (cron) or --every D, alert when it breaks",
	help:    checkHelp,
	run:     runCheck,
}

// checkKind is one kind of check: vitals check exec, vitals check graphite.
type checkKind struct {
	name string
	help string
	// flags adds the kind's own flags to fs and returns what builds the
	// check from the arguments once fs is parsed; build's ok false means
	// it has reported a usage error, with code.
	flags func(c *cli, fs *flag.FlagSet) (build func(args []string) (p probe, name string, code int, ok bool))
}

// checkKinds are the kinds of check, in the order the help lists them.
var checkKinds []*checkKind

func init() {
	checkKinds = []*checkKind{execCheck, graphiteCheck}
}

// checkAbout says what every check does.
const checkAbout = `
Every run logs one JSON record on stdout (check, outcome, duration_ms,
detail, the alert sent and what each sink made of it) and sends to statsd
the counters check.<name>.runs, .failed (broken runs, timeouts included),
.errors (runs that could not tell, counted apart from failed) and .skipped,
the gauge check.<name>.failing (1 while the alert fires, else 0) and the
timing check.<name>.duration: the names of the checks a service runs with
the alert package, so one panel shows both. The name is one segment in
lower case: a dot or another character Graphite cannot take becomes _, so
names such as a.b, a_b and A_B share their stats. When the check breaks,
an alert with the fingerprint check.<name> goes to the sinks (the same as
vitals alert's); the first run that finds it holding again resolves it. Whether the alert
fires is kept in a state file (--state-dir), so that the run of a later
process (cron) resolves it. Run once, the alert is re-sent on every broken
run: Alertmanager keeps an alert firing 15 minutes after it was last sent,
so run it at least that often. With --every, the alert is sent once and
kept firing by vitals until it is resolved.

A check runs one at a time: a run still going when the next is due is
skipped and counted (check.<name>.skipped), never run twice at once, also
across processes (a lock file next to the state file). SIGINT and SIGTERM
stop the loop: the run in progress is cancelled, and vitals exits 0.
`

// checkFlags documents the flags every check has, after its own.
var checkFlags = `  --name N        the check's name in stats, logs and the fingerprint
                  (default: the command's base name, or the graphite target)
  --every D       run every D (at least 10ms) until stopped, instead of once
  --timeout D     how long one run may take, and then the delivery of its
                  alert (default 10s, env VITALS_TIMEOUT)
  --statsd ADDR   statsd host:port for the check.<name>.* stats (env
                  VITALS_STATSD; default: no stats)
  --stats-prefix P
                  put P. before the stats' names (env VITALS_STATS_PREFIX),
                  e.g. the service's stats.Config.Prefix, so that its
                  dashboard shows them beside the service's own checks
  --state-dir DIR where the check's state and lock files are (env
                  VITALS_STATE_DIR; default $XDG_STATE_HOME/vitals, else
                  ~/.local/state/vitals)
  --on-error M    what a run that could not tell is (the command missing,
                  graphite-web down, no data with --missing unknown):
                  unknown (the default: exit 3, no alert, no resolution) or
                  broken (it alerts: the monitoring itself needs a person)
` + alertingHelp + sinkHelp() + envHelp + checkExit

// checkExit documents the exit statuses of a check.
const checkExit = `
Exit statuses:
  0  the invariant holds (with --every: stopped by SIGINT or SIGTERM)
  1  the invariant is broken; the alert went to the sinks (the record and
     stderr say which accepted it)
  2  usage error: unknown flag, missing argument, bad value or sink setting
  3  the check could not run, so nothing is known and no alert was sent or
     resolved (unless --on-error broken, which makes it 1): the command is missing, graphite-web is unreachable or
     answered garbage, another run of this check is still going, the state
     directory is not writable
`

// checkHelp is the help of vitals check.
var checkHelp = `Usage: vitals check exec [flags] -- CMD [ARGS...]
       vitals check graphite [flags] --target T (--above X | --below X | --change P)

Runs an invariant check and alerts a person when it breaks.

  exec      runs a command: exit status 0 holds, any other (or --timeout)
            is broken (vitals check exec -h)
  graphite  reads a series from graphite-web's render API and compares it
            with a threshold or with itself a day ago (vitals check graphite -h)
` + checkAbout + `
Flags:
` + checkFlags + `
Examples:
  crontab: */5 * * * * vitals check exec --alertmanager http://127.0.0.1:9093 -- /etc/checks/purchases-authorized.sh
  vitals check graphite --every 1m --target stats.counters.shop.purchases.count \
      --change 50 --shift 1d --for 10m --alertmanager http://127.0.0.1:9093
`

func runCheck(c *cli, args []string) int {
	if len(args) == 0 {
		return c.usageError("vitals check", "no kind of check given", "give exec or graphite, e.g. vitals check exec -- ./check.sh; see vitals check -h")
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(c.stdout, checkHelp)
		return exitOK
	}
	for _, kind := range checkKinds {
		if kind.name == args[0] {
			return c.runCheckKind(kind, args[1:])
		}
	}
	return c.usageError("vitals check", fmt.Sprintf("there is no kind of check %s", record.Quote(args[0], 40)), "give exec or graphite; see vitals check -h")
}

// runCheckKind parses the flags of a check of kind and runs it.
func (c *cli) runCheckKind(kind *checkKind, args []string) int {
	cmd := "check " + kind.name
	fs := c.flagSet(cmd, kind.help)
	name := fs.String("name", "", "the check's name")
	every := fs.Duration("every", 0, "run every D until stopped")
	statsd := fs.String("statsd", c.getenv("VITALS_STATSD"), "statsd host:port (env VITALS_STATSD)")
	prefix := fs.String("stats-prefix", c.getenv("VITALS_STATS_PREFIX"), "put P. before the stats' names (env VITALS_STATS_PREFIX)")
	stateDir := fs.String("state-dir", c.stateDir(), "where the state and lock files are (env VITALS_STATE_DIR)")
	onError := fs.String("on-error", "unknown", "unknown or broken")
	a, code, ok := c.alertingFlags(fs)
	if !ok {
		return code
	}
	build := kind.flags(c, fs)
	rest, code, ok := c.parse(fs, args)
	if !ok {
		return code
	}
	p, defaultName, code, ok := build(rest)
	if !ok {
		return code
	}
	if *name == "" {
		*name = defaultName
	}
	if *every < 0 || *every > 0 && *every < minEvery {
		return c.usageError("vitals "+cmd, "--every "+every.String()+" is negative or below "+minEvery.String(),
			"give a duration such as 1m, or leave it out to run once")
	}
	if *onError != "unknown" && *onError != "broken" {
		return c.usageError("vitals "+cmd, fmt.Sprintf("--on-error %s is not unknown or broken", record.Quote(*onError, 40)),
			"give --on-error unknown (exit 3, no alert) or --on-error broken (alert)")
	}
	sinks, sev, code, ok := c.open(cmd, a)
	if !ok {
		return code
	}
	defer closeSinks(sinks)
	em, code, ok := c.statsEmitter(cmd, *statsd, *prefix)
	if !ok {
		return code
	}
	defer em.close()
	if err := os.MkdirAll(*stateDir, 0o700); err != nil {
		return c.fail(exitUnread, "vitals "+cmd+": creating the state directory", safeErr(err), "give a writable --state-dir or VITALS_STATE_DIR")
	}
	base := filepath.Join(*stateDir, stateFile(*name))
	unlock, err := lock(base + ".lock")
	if err != nil {
		problem := safeErr(err)
		if err == errLocked {
			problem = "another run of the check " + record.Quote(*name, 100) + " is still going (" + base + ".lock is locked)"
		}
		return c.fail(exitUnread, "vitals "+cmd+": locking "+base+".lock", problem,
			"wait for it to end; to run two checks side by side, give them different --name")
	}
	defer unlock()

	r := newRunner(c, *name, p, em.Emitter)
	r.sinks, r.every, r.timeout, r.statePath = sinks, *every, *a.timeout, base+".json"
	r.errorsBreak = *onError == "broken"
	r.alert = alert.Alert{Summary: "check " + *name + " is broken", Severity: sev, Fingerprint: "check." + *name, Remedy: *a.remedy}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *every > 0 {
		r.loop(ctx)
		return exitOK
	}
	return r.exitStatus(r.once(ctx))
}

// emitter is the stats emitter of a check, and how to flush it at exit.
type emitter struct {
	stats.Emitter
	close func()
}

// statsEmitter returns the statsd emitter to addr, its names after
// prefix, or a no-op one when addr is empty; ok false means addr was
// refused and reported.
func (c *cli) statsEmitter(cmd, addr, prefix string) (em emitter, code int, ok bool) {
	if strings.TrimSpace(addr) == "" {
		return emitter{stats.Default(), func() {}}, exitOK, true
	}
	s, err := stats.NewStatsd(stats.Config{Addr: addr, Prefix: prefix, FlushInterval: 500 * time.Millisecond})
	if err != nil {
		return em, c.usageError("vitals "+cmd+": configuring --statsd", safeErr(err), "give statsd's host:port, e.g. 127.0.0.1:8125"), false
	}
	return emitter{s, func() { _ = s.Close() }}, exitOK, true
}
