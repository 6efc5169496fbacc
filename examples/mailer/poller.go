package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	vlog "github.com/vitals-go/vitals/log"
)

// errStopped is run's error after an unexpected failure tripped the latch.
var errStopped = errors.New("stopped after an unexpected failure; the latch holds it until someone resets it")

// poller processes the inbox on each tick, each message through a breaker
// that one unexpected failure opens, latched so that it stays open across
// restarts.
type poller struct {
	dir     maildir
	desk    desk
	breaker *breaker.Breaker
	latch   *breaker.Latch
	logger  *slog.Logger

	answered, unanswered int    // messages handled this run
	stoppedAt            string // the message that stopped the poller
}

// tick processes every message waiting in the inbox, oldest first. It
// returns errStopped when one of them failed; that message and the ones
// after it stay in the inbox.
func (p *poller) tick(ctx context.Context) error {
	paths, err := p.dir.waiting()
	if err != nil {
		return p.stop(ctx, p.dir.inbox(), err)
	}
	for _, path := range paths {
		if ctx.Err() != nil {
			return nil
		}
		if err := p.process(ctx, path); err != nil {
			return err
		}
	}
	return nil
}

// process handles one message through the breaker. A panic is recovered
// here, recorded in the latch and reported like any unexpected error.
func (p *poller) process(ctx context.Context, path string) (err error) {
	name := filepath.Base(path)
	ctx = vlog.With(ctx, "message", name)
	defer func() {
		if v := recover(); v != nil {
			err = p.stop(ctx, path, errctx.Wrap(fmt.Errorf("panic: %v", v), "processing "+name, errctx.WithStack()))
		}
	}()
	var answered bool
	err = p.breaker.Run(ctx, func(ctx context.Context) error {
		var err error
		answered, err = p.desk.handle(ctx, path)
		// Named here, so that the breaker's last error and the latch's
		// record say which message failed.
		return errctx.Wrap(err, "processing "+name)
	})
	switch {
	case err != nil:
		return p.stop(ctx, path, err)
	case answered:
		p.answered++
	default:
		p.unanswered++
	}
	return nil
}

// stop trips the latch and tells the operator what to look at. The breaker
// would record its own opening too, but on another goroutine, which a
// process on its way out may never run: Trip writes the state file before
// it returns, and its reason wins over the opening's "1 failure in a row".
func (p *poller) stop(ctx context.Context, path string, cause error) error {
	p.stoppedAt = path
	remedy := resumeHint(p.dir, path, p.latch.Path())
	if err := p.latch.Trip("unexpected failure processing "+path, cause); err != nil {
		remedy = "the latch could not record the stop (see the latch's error record), so a restart would process mail again: " +
			"keep the poller from restarting until " + remedy
	}
	p.logger.ErrorContext(ctx, "mail poller stopped after an unexpected failure",
		"attempted", "processing "+path,
		"error", cause,
		"latch", p.latch.Path(),
		"remedy", remedy)
	return errStopped
}

// resumeHint says what to check and how to resume after a stop at path.
func resumeHint(d maildir, path, latch string) string {
	return "look at " + path + " and the error of the poller's stop; fix the cause, or move the message out of " +
		d.inbox() + "; then run mailer with -reset (or delete " + latch + "). Until then it refuses to run and the mail waits in the inbox"
}
