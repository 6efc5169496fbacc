package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/internal/record"
)

var alertCommand = &command{
	name:    "alert",
	summary: "send one alert (or resolve it) through Alertmanager, mail, a webhook, a command or the log",
	help:    alertHelp,
	run:     runAlert,
}

// alertHelp is the help of vitals alert.
var alertHelp = `Usage: vitals alert [flags] SUMMARY [KEY=VALUE...]

Sends one alert to every configured sink at once and waits (at most
--timeout) for each to accept it, then prints one line per sink: accepted,
or failed and why. SUMMARY says in one line what is wrong; each KEY=VALUE is
a field (an annotation, or a label with --alertmanager-labels). An alert
stays firing in Alertmanager for 15 minutes after it was sent (send it again
to keep it firing) or until it is resolved with --resolve and the same
SUMMARY, --severity, --fingerprint and --service.

Flags:
  --fingerprint F identifies repeats of the same problem, for deduplication
                  (default: derived from SUMMARY and the severity)
  --resolve       say that the problem no longer holds
` + alertingHelp + `  --timeout D     how long delivery may take (default 10s, env VITALS_TIMEOUT)
` + sinkHelp() + envHelp + `
Exit statuses:
  0  at least one sink accepted the alert (with no sink configured: it was
     written to stderr)
  2  usage error: unknown flag, no SUMMARY, a field without "=", a bad sink
     setting or VITALS_* value
  3  no sink accepted the alert; each failure is printed with its reason

Examples:
  vitals alert --alertmanager http://127.0.0.1:9093 --severity page \
      --remedy "check the promo service" "purchases without authorization code" count=12
  vitals alert --alertmanager http://127.0.0.1:9093 --severity page --resolve \
      "purchases without authorization code"
`

func runAlert(c *cli, args []string) int {
	fs := c.flagSet("alert", alertHelp)
	fingerprint := fs.String("fingerprint", "", "identifies repeats of the same problem")
	resolve := fs.Bool("resolve", false, "resolve the alert")
	a, code, ok := c.alertingFlags(fs)
	if !ok {
		return code
	}
	rest, code, ok := c.parse(fs, args)
	if !ok {
		return code
	}
	if len(rest) == 0 || strings.TrimSpace(rest[0]) == "" {
		return c.usageError("vitals alert", "no SUMMARY given", `give one line saying what is wrong, e.g. vitals alert "purchases without authorization code"`)
	}
	fields, code, ok := c.fields(rest[1:])
	if !ok {
		return code
	}
	sinks, sev, code, ok := c.open("alert", a)
	if !ok {
		return code
	}
	defer closeSinks(sinks)
	status := alert.Firing
	if *resolve {
		status = alert.Resolved
	}
	ev := newEvent(alert.Alert{Summary: rest[0], Severity: sev, Fingerprint: *fingerprint, Remedy: *a.remedy, Fields: fields}, status, time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), *a.timeout)
	defer cancel()
	res := deliver(ctx, sinks, ev)
	for _, d := range res {
		fmt.Fprintln(c.stdout, d.describe())
	}
	if accepted(res) == 0 {
		return c.fail(exitUnread, "vitals alert: sending "+record.Quote(rest[0], 100), "no sink accepted it (see the reasons above)",
			"check that the destinations run and that the flags point at them; then send the alert again")
	}
	return exitOK
}

// fields parses KEY=VALUE arguments; ok false means one was refused and
// the usage error has been reported.
func (c *cli) fields(args []string) (fields []slog.Attr, code int, ok bool) {
	for _, arg := range args {
		k, v, found := strings.Cut(arg, "=")
		if !found || k == "" {
			return nil, c.usageError("vitals alert", fmt.Sprintf("the field %s is not KEY=VALUE", record.Quote(arg, 60)),
				`give fields as KEY=VALUE after the summary, e.g. count=12; quote a summary with spaces`), false
		}
		fields = append(fields, slog.String(k, v))
	}
	return fields, exitOK, true
}
