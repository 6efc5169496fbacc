package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/examples/internal/demo"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

// errLatched is run's error when an earlier failure holds the poller.
var errLatched = errors.New("latched by an earlier unexpected failure; see the log for what to check, then run with -reset")

func main() { demo.Main("mailer", run) }

// run is the whole poller: logs go to stderr as JSON lines, written before
// each log call returns (a process that stops on a failure must not lose
// the record that says why); a note for the operator goes to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	reqid.SetService("mailer", "")
	logger := vlog.New(vlog.Options{Writer: stderr, Level: cfg.level})
	dir := maildir{root: cfg.dir}
	seeded, err := dir.prepare()
	if err != nil {
		return err
	}
	if seeded {
		logger.Info("seeded the inbox with sample mail", "inbox", dir.inbox(), "messages", len(samples))
	}

	// One unexpected failure opens the breaker; the latch keeps it open,
	// in this process and the next ones, until someone resets it.
	b, err := breaker.New(breaker.Config{Name: "mail-poller", ConsecutiveFailures: 1, Logger: logger})
	if err != nil {
		return err
	}
	// The latch's warnings, rejections and state file tell the operator to
	// run the mailer with -reset, which the switch below honours.
	latch, err := breaker.NewLatchWith(b, cfg.latch, breaker.LatchOptions{ResetHint: "run mailer with -reset"})
	if err != nil {
		return err
	}
	defer latch.Close()
	switch {
	case latch.Tripped() && !cfg.reset:
		// The latch has logged why and how to resume; stdout says it too.
		refuse(stdout, dir, latch)
		return errLatched
	case latch.Tripped():
		if err := latch.Reset(); err != nil {
			return err
		}
		logger.Info("latch reset by the operator; polling resumes", "latch", latch.Path())
	case cfg.reset:
		logger.Info("-reset: the latch was not tripped; nothing to reset", "latch", latch.Path())
	}

	p := &poller{dir: dir, desk: desk{dir: dir, logger: logger}, breaker: b, latch: latch, logger: logger}
	logger.Info("mail poller started", "inbox", dir.inbox(), "latch", latch.Path(),
		"interval", cfg.interval, "ticks", cfg.ticks)
	err = poll(ctx, p, cfg.interval, cfg.ticks)
	report(stdout, p, dir, latch.Path())
	return err
}

// poll runs a tick at once, then one every interval, until ticks are done,
// ctx ends or a tick stops the poller.
func poll(ctx context.Context, p *poller, interval time.Duration, ticks int) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for n := 1; ; n++ {
		if err := p.tick(ctx); err != nil {
			return err
		}
		if ticks > 0 && n >= ticks {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
