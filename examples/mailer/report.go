package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/vitals-go/vitals/breaker"
)

// refuse tells the operator, on stdout, why a latched poller does not run
// and how to resume. The log has it already: the latch's warning at start
// gives the reason, the error and the mailer's -reset.
func refuse(stdout io.Writer, d maildir, latch *breaker.Latch) {
	waiting, _ := d.waiting() // for the note only; a listing error shows up on the next run
	rec, ok := latch.Record()
	why := "its state file could not be read: " + fmt.Sprint(latch.Err())
	if ok {
		why = rec.Reason + " at " + rec.TrippedAt.Format("2006-01-02 15:04:05 MST")
	}

	var b strings.Builder
	fmt.Fprintf(&b, "mailer: LATCHED, not processing mail; waiting in %s: %d\n", d.inbox(), len(waiting))
	fmt.Fprintf(&b, "  why:   %s\n", why)
	if ok && rec.LastError != "" {
		fmt.Fprintf(&b, "  error: %s\n", rec.LastError)
	}
	writeResume(&b, d, latch.Path())
	_, _ = io.WriteString(stdout, b.String())
}

// report tells the operator what a run did.
func report(stdout io.Writer, p *poller, d maildir, latch string) {
	waiting, _ := d.waiting()
	var b strings.Builder
	fmt.Fprintf(&b, "mailer: answered %d, automatic mail left unanswered %d; waiting in %s: %d\n",
		p.answered, p.unanswered, d.inbox(), len(waiting))
	if p.stoppedAt != "" {
		fmt.Fprintf(&b, "  STOPPED after an unexpected failure processing %s\n", p.stoppedAt)
		writeResume(&b, d, latch)
	}
	_, _ = io.WriteString(stdout, b.String())
}

// writeResume is the operator's checklist.
func writeResume(b *strings.Builder, d maildir, latch string) {
	fmt.Fprintf(b, "  check: the message named above and the ERROR record of the stop in the log\n")
	fmt.Fprintf(b, "  then:  fix the cause, or move the message out of %s;\n", d.inbox())
	fmt.Fprintf(b, "         run again with -reset, or delete %s\n", latch)
}
