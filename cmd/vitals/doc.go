// Command vitals is the operator's side of the vitals toolkit: it sends
// alerts from scripts through the sinks a service uses, reads what a
// running service says about its circuit breakers, and shows and resets the
// latch a stopped program left behind, from a terminal or a script.
//
// Install it with
//
//	go install github.com/vitals-go/vitals/cmd/vitals@latest
//
// Usage:
//
//	vitals alert [flags] SUMMARY [KEY=VALUE...]     send one alert, or resolve it (--resolve)
//	vitals check exec [flags] -- CMD [ARGS...]      alert when an invariant script fails
//	vitals check graphite [flags] --target T ...    alert when a Graphite series is out of whack
//	vitals breakers [flags] URL      the breakers of a Registry's status endpoint, as a table
//	vitals latch status PATH         who latched a breaker, when, why, how to resume
//	vitals latch reset [--force] PATH
//	vitals help [COMMAND]            the help of a command (also: vitals COMMAND -h)
//
// Alerts go to the sinks of the alert package (Alertmanager, SMTP, a
// webhook, a command), chosen
// by flags or VITALS_* variables; with none, to a JSON line on stderr. A
// check runs once (for cron) or with --every D as a loop that never runs
// two at once; each run is a JSON record on stdout and check.<name>.*
// stats (runs, failed, errors, skipped, failing, duration: the names of
// alert.Notifier's checks; docs/metrics.md lists them); a broken run alerts with the fingerprint check.<name>, the first
// run that holds again resolves it.
//
// Environment (a flag wins over its variable):
//
//	VITALS_TIMEOUT       how long a request, a check run or a delivery may take (default 10s)
//	VITALS_BREAKERS_URL  the URL vitals breakers reads when none is given
//	VITALS_ALERTMANAGER_URL, VITALS_ALERTMANAGER_LABELS, VITALS_SMTP_ADDR, VITALS_SMTP_FROM,
//	VITALS_SMTP_TO, VITALS_SMTP_USER, VITALS_SMTP_PASSWORD, VITALS_WEBHOOK_URL,
//	VITALS_COMMAND, VITALS_COMMAND_ARGS: the sinks
//	VITALS_SERVICE       the service label of the alerts
//	VITALS_STATSD        statsd host:port for the check.<name>.* stats
//	VITALS_STATS_PREFIX  what goes before their names (--stats-prefix)
//	VITALS_STATE_DIR     where vitals check keeps its state and lock files
//	VITALS_GRAPHITE_WEB  graphite-web's base URL
//
// Exit statuses, the same for every command:
//
//	0  all is well: the alert was accepted, the invariant holds, no critical
//	   breaker is open, the latch is not tripped or was reset
//	1  needs a person: the invariant is broken, a critical breaker is open
//	   (the endpoint answers 503), the latch is tripped, or a reset was refused
//	2  usage error: unknown command or flag, missing or extra argument, a bad
//	   flag or VITALS_* value
//	3  what was asked could not be done: no sink accepted the alert, the
//	   check could not run (command missing, graphite-web unreachable or
//	   answering garbage, no data), the endpoint is unreachable or does not
//	   serve a Registry's status, the latch file is corrupt, not a regular
//	   file or in a directory that does not exist, the reset could not
//	   delete it
//
// Every message names what was attempted and how to fix it. Text from the
// service (breaker names, reasons, errors, latch records) is shown with
// control, C1 and bidi characters escaped, so a hostile name cannot rewrite
// the terminal.
package main
