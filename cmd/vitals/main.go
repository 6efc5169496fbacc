package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses; see the package documentation.
const (
	exitOK        = 0
	exitAttention = 1
	exitUsage     = 2
	exitUnread    = 3
)

// env is the environment a command reads its VITALS_* variables from.
type env func(key string) string

// command is one subcommand: its help and what it runs.
type command struct {
	name    string
	summary string // one line, for vitals -h
	help    string // the whole help: usage, flags, environment, exit statuses, example
	run     func(c *cli, args []string) int
}

// commands are the subcommands, in the order vitals -h lists them.
var commands []*command

func init() {
	commands = []*command{alertCommand, checkCommand, breakersCommand, latchCommand}
}

// cli is what a command writes to and reads from.
type cli struct {
	stdout, stderr io.Writer
	getenv         env
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run runs the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer, getenv env) int {
	c := &cli{stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			if cmd := lookup(args[1]); cmd != nil {
				fmt.Fprint(stdout, cmd.help)
				return exitOK
			}
			return c.usageError("vitals help", fmt.Sprintf("there is no command %q", args[1]), "run vitals -h for the list of commands")
		}
		fmt.Fprint(stdout, usage())
		return exitOK
	}
	cmd := lookup(args[0])
	if cmd == nil {
		return c.usageError("vitals", fmt.Sprintf("there is no command %q", args[0]), "run vitals -h for the list of commands")
	}
	return cmd.run(c, args[1:])
}

// lookup returns the command called name, or nil.
func lookup(name string) *command {
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

// usage is the help of vitals itself.
func usage() string {
	var b strings.Builder
	b.WriteString(`vitals: the operator's command of the vitals toolkit

Usage:
  vitals COMMAND [flags] ARGS
  vitals help COMMAND      (or vitals COMMAND -h) for a command's flags and examples

Commands:
`)
	for _, cmd := range commands {
		fmt.Fprintf(&b, "  %-10s %s\n", cmd.name, cmd.summary)
	}
	b.WriteString(envHelp + exitHelp + `
Examples:
  vitals alert --alertmanager http://127.0.0.1:9093 --severity page "purchases without authorization code" count=3
  vitals check exec --alertmanager http://127.0.0.1:9093 -- /etc/checks/purchases-authorized.sh
  vitals check graphite --every 1m --graphite http://127.0.0.1:8080 \
      --target stats.counters.shop.purchases.count --change 50 --direction down --for 15m
  vitals breakers http://127.0.0.1:8080/debug/breakers
  vitals latch status /var/lib/mailer/mailer.latch
`)
	return b.String()
}

// envHelp and exitHelp end every help text.
const envHelp = `
Environment (a flag wins over its variable):
  VITALS_TIMEOUT        how long a request, a check run or an alert's delivery
                        may take (a Go duration, default 10s)
  VITALS_BREAKERS_URL   the URL vitals breakers reads when none is given
  VITALS_ALERTMANAGER_URL, VITALS_ALERTMANAGER_LABELS, VITALS_SMTP_ADDR,
  VITALS_SMTP_FROM, VITALS_SMTP_TO, VITALS_SMTP_USER, VITALS_SMTP_PASSWORD,
  VITALS_WEBHOOK_URL, VITALS_COMMAND, VITALS_COMMAND_ARGS
                        the sinks of vitals alert and vitals check (see
                        vitals alert -h)
  VITALS_SERVICE        the service label of the alerts
  VITALS_STATSD         statsd host:port for the check.<name>.* stats
  VITALS_STATS_PREFIX   what goes before their names (--stats-prefix)
  VITALS_STATE_DIR      where vitals check keeps its state and lock files
  VITALS_GRAPHITE_WEB   graphite-web's base URL, for vitals check graphite
`

const exitHelp = `
Exit statuses:
  0  all is well: the alert was accepted, the invariant holds, no critical
     breaker is open, the latch is not tripped or was reset
  1  needs a person: the invariant is broken, a critical breaker is open,
     the latch is tripped, a reset was refused
  2  usage error: unknown command or flag, missing or extra argument, bad
     flag or VITALS_* value
  3  could not do what was asked: no sink accepted the alert, the check could
     not run (command missing, graphite-web unreachable or answering garbage,
     no data with --missing unknown), endpoint unreachable or not a breaker
     status, latch file corrupt or its directory missing, reset could not
     delete it
`

// fail reports a failure as attempted, what went wrong and the remedy, and
// returns code.
func (c *cli) fail(code int, attempted, problem, remedy string) int {
	fmt.Fprintf(c.stderr, "vitals: %s: %s\n  remedy: %s\n", attempted, problem, remedy)
	return code
}

// usageError is fail for a mistake on the command line.
func (c *cli) usageError(attempted, problem, remedy string) int {
	return c.fail(exitUsage, attempted, problem, remedy)
}
