package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/internal/record"
)

// Widths of the latch record's fields as shown.
const (
	fieldWidth = 200
	errorWidth = 2000
)

var latchCommand = &command{
	name:    "latch",
	summary: "show or reset the state file of a breaker.Latch",
	help:    latchHelp,
	run:     runLatch,
}

// latchHelp is the help of vitals latch.
const latchHelp = `Usage: vitals latch status PATH
       vitals latch reset [--force] PATH

A breaker.Latch keeps a program stopped after an unexpected failure by
writing a state file (e.g. the mailer example's <dir>/mailer.latch) and
refusing to run while it exists.

status  prints who latched (breaker, host, pid), when, why, the last error
        and how to resume, as the program wrote it.
reset   deletes the state file (through breaker.Latch.Reset) so that the
        program runs again at its next start. Fix the cause first. It refuses
        while the process that tripped the latch still runs on this host (its
        pid is alive): that process holds the breaker in memory and would not
        notice; reset it through the program (see "resume" in status), or
        stop it, or pass --force. It refuses a file that is not a latch
        record, which may be another file (a wrong path) unless --force, and
        never deletes what is not a regular file.

Flags:
  --force   reset even though the process that tripped the latch still runs,
            or the file is not a readable latch record
` + envHelp + `
Exit statuses:
  0  status: no state file, the latch is not tripped; reset: deleted, or none to delete
  1  status: the latch is tripped; reset: refused, the tripping process still runs
  2  usage error: unknown subcommand or flag, no PATH or more than one
  3  the state file is corrupt or unreadable (reset: without --force), not a
     regular file, its directory does not exist, or reset could not delete it

Examples:
  vitals latch status /var/lib/mailer/mailer.latch
  vitals latch reset /var/lib/mailer/mailer.latch
`

func runLatch(c *cli, args []string) int {
	if len(args) == 0 {
		return c.usageError("vitals latch", "no subcommand given", "run vitals latch status PATH or vitals latch reset PATH")
	}
	sub := args[0]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(c.stdout, latchHelp)
		return exitOK
	case "status", "reset":
	default:
		return c.usageError("vitals latch", fmt.Sprintf("there is no subcommand %q", record.Safe(sub, 40)), "use vitals latch status PATH or vitals latch reset PATH")
	}
	fs := c.flagSet("latch "+sub, latchHelp)
	force := false
	if sub == "reset" {
		fs.BoolVar(&force, "force", false, "reset even though the tripping process still runs or the file is corrupt")
	}
	rest, code, ok := c.parse(fs, args[1:])
	if !ok {
		return code
	}
	if len(rest) != 1 {
		return c.usageError("vitals latch "+sub, fmt.Sprintf("%d paths given", len(rest)), "give the path of one latch state file, e.g. vitals latch "+sub+" /var/lib/mailer/mailer.latch")
	}
	l, code, ok := c.openLatch(rest[0])
	if !ok {
		return code
	}
	defer l.Close()
	if sub == "status" {
		return c.latchStatus(l)
	}
	return c.latchReset(l, force)
}

// openLatch reads the state file at path through a breaker.Latch of a
// breaker of this process, the package's own reading and checks of the
// file; ok false means the failure has been reported.
func (c *cli) openLatch(path string) (l *breaker.Latch, code int, ok bool) {
	attempted := "reading the latch state file " + record.Safe(path, fieldWidth)
	quiet := slog.New(slog.DiscardHandler) // what matters is printed below
	b, err := breaker.New(breaker.Config{Name: "vitals-latch", Logger: quiet})
	if err == nil {
		l, err = breaker.NewLatch(b, path)
	}
	if err != nil {
		return nil, c.fail(exitUnread, attempted, record.Safe(err.Error(), errorWidth),
			"check the path: the state file is where the program's latch option points (the mailer example: -latch, default <dir>/mailer.latch)"), false
	}
	return l, exitOK, true
}

// latchStatus prints what the state file of l says.
func (c *cli) latchStatus(l *breaker.Latch) int {
	path := record.Safe(l.Path(), fieldWidth)
	if !l.Tripped() {
		fmt.Fprintf(c.stdout, "not tripped: there is no latch state file at %s\n", path)
		fmt.Fprintln(c.stdout, "(if the program says it is latched, check that this is the path its latch option points to)")
		return exitOK
	}
	rec, ok := l.Record()
	if !ok {
		return c.fail(exitUnread, "reading the latch state file "+path, record.Safe(fileProblem(l), errorWidth),
			"the program counts an unreadable file as tripped and stays stopped; look at the file and at the logs of its last run, fix the cause, then run vitals latch reset "+path)
	}
	fmt.Fprintf(c.stdout, "tripped: %s\n", path)
	printRecord(c.stdout, rec, time.Now())
	return exitAttention
}

// printRecord writes the fields of rec, one a line.
func printRecord(w io.Writer, rec breaker.LatchRecord, now time.Time) {
	who := "unknown process"
	if rec.PID != 0 {
		who = fmt.Sprintf("pid %d", rec.PID)
	}
	if rec.Host != "" {
		who += " on " + record.Safe(rec.Host, fieldWidth)
	}
	fmt.Fprintf(w, "  breaker:    %s\n", record.Safe(rec.Breaker, fieldWidth))
	fmt.Fprintf(w, "  tripped:    %s\n", when(rec.TrippedAt, now))
	fmt.Fprintf(w, "  by:         %s\n", who)
	fmt.Fprintf(w, "  reason:     %s\n", orDash(record.Safe(rec.Reason, errorWidth)))
	fmt.Fprintf(w, "  last error: %s\n", orDash(record.Safe(rec.LastError, errorWidth)))
	fmt.Fprintf(w, "  resume:     %s\n", orDash(record.Safe(rec.Reset, errorWidth)))
}

// latchReset deletes the state file of l unless the process that tripped
// it still runs here and force is false.
func (c *cli) latchReset(l *breaker.Latch, force bool) int {
	path := record.Safe(l.Path(), fieldWidth)
	attempted := "resetting the latch " + path
	if !l.Tripped() {
		fmt.Fprintf(c.stdout, "nothing to reset: there is no latch state file at %s\n", path)
		return exitOK
	}
	if info, err := os.Stat(l.Path()); err == nil && !info.Mode().IsRegular() {
		return c.fail(exitUnread, attempted, fmt.Sprintf("it is not a regular file (%s), so it is no latch state file; vitals deletes none but those", info.Mode().Type()),
			"check the path: the state file is where the program's latch option points")
	}
	rec, ok := l.Record()
	if !ok && !force {
		return c.fail(exitUnread, attempted, "it is not a latch record ("+record.Safe(fileProblem(l), errorWidth)+"), so it may be another file",
			"check the path; if it is the program's latch state file, corrupt, run vitals latch reset --force "+path)
	}
	if ok && !force && holder(rec) {
		return c.fail(exitAttention, attempted, fmt.Sprintf("the process that tripped it (pid %d on this host) still runs and holds the breaker open in memory", rec.PID),
			"reset it through that program ("+orDash(record.Safe(rec.Reset, fieldWidth))+"), or stop it first; if that pid is now another program, run vitals latch reset --force "+path)
	}
	if err := l.Reset(); err != nil {
		return c.fail(exitUnread, attempted, record.Safe(err.Error(), errorWidth), "delete the file by hand, checking the permissions of its directory")
	}
	fmt.Fprintf(c.stdout, "reset: deleted %s; the program runs again at its next start\n", path)
	return exitOK
}

// holder reports whether the process that wrote rec still runs on this
// host, as far as this process can tell.
func holder(rec breaker.LatchRecord) bool {
	host, err := os.Hostname()
	if err != nil || rec.Host != host || rec.PID <= 0 {
		return false
	}
	return alive(rec.PID)
}

// fileProblem is what is wrong with the state file of a tripped latch
// without a record: the latch's error without its own attempted and remedy,
// which speak to the program, not to the operator.
func fileProblem(l *breaker.Latch) string {
	err := l.Err()
	if err == nil {
		return "the state file has no record"
	}
	if cause := errors.Unwrap(err); cause != nil {
		err = cause
	}
	return err.Error()
}
