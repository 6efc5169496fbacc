// Command mailer is a support-desk mail poller that stops, and stays
// stopped across restarts, after a failure it did not expect, so that one
// bad message cannot make it loop, lose mail or flood anyone with replies
// while nobody is watching.
//
// On each tick it reads the messages waiting in <dir>/inbox, oldest first,
// answers each with an acknowledgement written to <dir>/outbox (standing
// for the SMTP server) and moves it to <dir>/done. Automatic mail (an
// out-of-office) is moved without an answer: answering it is how mail loops
// start. A message leaves the inbox only once it has been handled.
//
// It cannot list the failures it does not expect, so any of them stops it:
// an error, or a panic, which it recovers. Each message goes through a
// breaker (breaker.Config.ConsecutiveFailures 1) held by a breaker.Latch:
// on an unexpected failure the poller calls Latch.Trip, which writes the
// state file <dir>/mailer.latch before it returns (the breaker would record
// its opening too, but on another goroutine, which a process on its way out
// may never run), logs an ERROR record with what it was processing, the
// error with its stack, the latch file and the remedy, and exits 1. The
// message that failed, and every one after it, stays in the inbox.
//
// Every later start finds the state file and refuses to process anything.
// The latch's warning says why and how to resume in the mailer's terms
// (breaker.LatchOptions.ResetHint "run mailer with -reset", also written in
// the state file), and a note on stdout lists what to check: fix the cause
// or move the message away, then run with -reset (which calls Latch.Reset)
// or delete the file.
//
// Try it; the first run seeds a sample inbox whose third message has an
// empty subject, which the ticket code does not expect (see ticket.go):
//
//	go run ./examples/mailer          # answers two messages, panics on the third, latches
//	go run ./examples/mailer          # latched: processes nothing, says what to check
//	mv /tmp/vitals-mailer/inbox/0003-no-subject.eml /tmp/
//	go run ./examples/mailer -reset   # answers the rest
//
// (rm -r /tmp/vitals-mailer starts over.) Logs are JSON lines on stderr,
// written synchronously: a process that stops on a failure must not lose
// the record that says why. A note for the operator goes to stdout.
//
// Flags:
//
//	-dir path       the mail directory (default $TMPDIR/vitals-mailer), seeded
//	                with sample mail when it has no inbox
//	-latch path     the latch state file (default <dir>/mailer.latch)
//	-reset          clear the latch of an earlier failure, then poll
//	-interval d     time between two polls (default 2s)
//	-ticks n        polls before exiting (default 3; 0 polls until interrupted)
//	-log-level lvl  debug, info, warn or error (default $VITALS_LOG_LEVEL or info)
//
// Files: main.go wires the breaker, the latch and the ticks; poller.go
// runs each message through the breaker and trips the latch; ticket.go is
// the business logic; inbox.go the mail directory and the sample mail;
// report.go what the operator reads.
package main
