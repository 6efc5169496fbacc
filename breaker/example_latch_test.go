package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
)

// startMailPoller is what a mail poller does when its process starts: make its
// breaker and latch it to a state file that survives restarts.
func startMailPoller(state string) (*breaker.Breaker, *breaker.Latch) {
	b, err := breaker.New(breaker.Config{
		Name:                "mail-poller",
		ConsecutiveFailures: 1,                             // any unexpected failure stops it
		Logger:              slog.New(slog.DiscardHandler), // a real poller logs the latch's warnings
	})
	if err != nil {
		panic(err)
	}
	latch, err := breaker.NewLatch(b, state)
	if err != nil {
		panic(err)
	}
	return b, latch
}

// pollInbox processes the inbox once, through the breaker.
func pollInbox(b *breaker.Breaker, latch *breaker.Latch, send func(to string) error) {
	err := b.Run(context.Background(), func(context.Context) error {
		return send("ann@example.com") // a real poller reads the inbox here
	})
	switch {
	case errors.Is(err, breaker.ErrOpen):
		// Mail stays in the inbox until someone looks; the error's remedy
		// names the state file and Latch.Reset.
		fmt.Println("tick skipped:", err)
	case err != nil:
		// Record the trip before the process may exit.
		latch.Trip("sending mail failed", err)
		fmt.Println("tick failed:", err)
	default:
		fmt.Println("sent 1 mail")
	}
}

// A mail poller must not loop sending mail after an unexpected failure: the
// latch keeps it stopped, across restarts, until an operator resets it.
func ExampleLatch() {
	dir, err := os.MkdirTemp("", "mailer")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	state := filepath.Join(dir, "mail-poller.latch")

	refuse := func(to string) error {
		return errctx.Wrap(errors.New("554 daily sending quota exceeded"), "sending mail to "+to)
	}
	deliver := func(string) error { return nil }

	// First run: the mail server refuses the mail.
	b, latch := startMailPoller(state)
	pollInbox(b, latch, refuse)
	latch.Close()

	// The next run, started by cron, stays stopped.
	b, latch = startMailPoller(state)
	fmt.Println("latched:", latch.Tripped())
	pollInbox(b, latch, deliver)

	// An operator has looked and fixed the cause.
	if err := latch.Reset(); err != nil {
		panic(err)
	}
	pollInbox(b, latch, deliver)
	// Output:
	// tick failed: sending mail to ann@example.com: 554 daily sending quota exceeded
	// latched: true
	// tick skipped: calling mail-poller: circuit breaker is open
	// sent 1 mail
}

// A poller that panics records the trip on its way out, as the process may
// not live long enough for the breaker to publish anything.
func ExampleLatch_Trip() {
	dir, err := os.MkdirTemp("", "mailer")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	b, latch := startMailPoller(filepath.Join(dir, "mail-poller.latch"))

	func() {
		defer func() {
			if p := recover(); p != nil {
				if err := latch.Trip("panic while polling", fmt.Errorf("%v", p)); err != nil {
					fmt.Println("not recorded:", err)
				}
				// A real poller would panic again or exit here.
			}
		}()
		b.Run(context.Background(), func(context.Context) error {
			panic("message 42 has no From header")
		})
	}()

	rec, _ := latch.Record()
	fmt.Printf("%s: %s (%s)\n", rec.Breaker, rec.Reason, rec.LastError)
	fmt.Println(b.State())
	// Output:
	// mail-poller: panic while polling (message 42 has no From header)
	// forced_open
}

// A program tells its operators how to resume in its own terms: the latch
// quotes the hint in its warnings, its rejections and the state file.
func ExampleNewLatchWith() {
	dir, err := os.MkdirTemp("", "mailer")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	b, err := breaker.New(breaker.Config{Name: "mail-poller", ConsecutiveFailures: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	latch, err := breaker.NewLatchWith(b, filepath.Join(dir, "mailer.latch"), breaker.LatchOptions{
		ResetHint: "run mailer with -reset", // and mailer's -reset calls latch.Reset()
	})
	if err != nil {
		panic(err)
	}
	defer latch.Close()

	if err := latch.Trip("panic while polling", errors.New("message 42 has no From header")); err != nil {
		panic(err)
	}
	rec, _ := latch.Record()
	fmt.Println(rec.Reset)
	// Output: find the cause in the logs, then run mailer with -reset, or delete this file and restart the process
}
