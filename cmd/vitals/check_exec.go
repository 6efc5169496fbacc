package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/record"
)

// outputBound is how many bytes of a command's output the alert keeps
// from its start, and again from its end.
const outputBound = 2048

// waitDelay bounds how long a run waits, once the command has exited or
// been killed, for children that still hold its output open.
const waitDelay = time.Second

var execCheck = &checkKind{
	name:  "exec",
	help:  execHelp,
	flags: execFlags,
}

// execHelp is the help of vitals check exec.
var execHelp = `Usage: vitals check exec [flags] -- CMD [ARGS...]

Runs CMD, a script that asserts an invariant about your environment (every
successful purchase has an authorization code; the backup of last night
exists). Exit status 0: it holds. Any other exit status, a signal, or
running longer than --timeout (then its whole process group is killed):
it is broken, and the alert carries its output (stdout and stderr, the
first and last 2 KiB, control characters escaped). A CMD that cannot be
started (not found, not executable) is an error of the check (exit 3). Put
-- before CMD so that its flags are not taken for vitals'.
` + checkAbout + `
Flags:
` + checkFlags + `
Examples:
  vitals check exec --alertmanager http://127.0.0.1:9093 --severity page \
      --remedy "see the purchases runbook" -- /etc/checks/purchases-authorized.sh
  crontab: */5 * * * * vitals check exec --name backups -- /etc/checks/backup-fresh.sh
  vitals check exec --every 1m --timeout 30s --statsd 127.0.0.1:8125 -- ./queue-drains.sh
`

func execFlags(c *cli, _ *flag.FlagSet) func(args []string) (probe, string, int, bool) {
	return func(args []string) (probe, string, int, bool) {
		if len(args) == 0 {
			return nil, "", c.usageError("vitals check exec", "no command given", "give the command after --, e.g. vitals check exec -- ./check.sh"), false
		}
		return func(ctx context.Context) verdict { return runExec(ctx, args) }, filepath.Base(args[0]), exitOK, true
	}
}

// runExec runs args and judges its exit.
func runExec(ctx context.Context, args []string) verdict {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	ownGroup(cmd)
	cmd.WaitDelay = waitDelay
	out := newHeadTail(outputBound)
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return verdict{outcome: failed, err: errctx.Wrap(err, "start "+record.Quote(args[0], 200),
			errctx.Remedy("give the path of an executable file (check the name, PATH and its x bit)"))}
	}
	err := cmd.Wait()
	fields := []slog.Attr{slog.String("output", out.String())}
	var exit *exec.ExitError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return verdict{outcome: broken, fields: fields,
			detail: fmt.Sprintf("timed out after %s; its process group was killed", time.Since(start).Round(time.Millisecond))}
	case err == nil:
		return verdict{outcome: holds, detail: "exit status 0"}
	case errors.Is(err, exec.ErrWaitDelay): // exit 0, but a child it left holds the output open
		return verdict{outcome: holds, detail: "exit status 0 (a child it left running held its output open)"}
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return verdict{outcome: broken, fields: append(fields, slog.Int("exit_code", exit.ExitCode())),
			detail: fmt.Sprintf("exit status %d", exit.ExitCode())}
	case errors.As(err, &exit):
		return verdict{outcome: broken, fields: fields, detail: record.Safe(exit.String(), 200)}
	}
	return verdict{outcome: failed, err: errctx.Wrap(err, "wait for "+record.Quote(args[0], 200),
		errctx.Remedy("check that the command does not leave children holding its output open"))}
}
