package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/internal/record"
	"github.com/vitals-go/vitals/reqid"
)

// alerting holds the flags that vitals alert and vitals check share:
// where alerts go, how they are labelled, how long delivery may take.
type alerting struct {
	sinks    sinkValues
	severity *string
	remedy   *string
	service  *string
	timeout  *time.Duration
}

// alertingHelp documents the flags of alerting, for the help texts.
const alertingHelp = `  --severity S    ticket (look today, the default) or page (act now)
  --remedy R      what the person alerted should do
  --service S     the service label of the alert (env VITALS_SERVICE; default
                  OTEL_SERVICE_NAME, else "vitals")
`

// alertingFlags adds the alerting flags to fs; ok false means a VITALS_*
// value was refused and the usage error has been reported.
func (c *cli) alertingFlags(fs *flag.FlagSet) (a *alerting, code int, ok bool) {
	a = &alerting{sinks: c.sinkFlags(fs)}
	a.severity = fs.String("severity", "ticket", "ticket or page")
	a.remedy = fs.String("remedy", "", "what the person alerted should do")
	a.service = fs.String("service", c.getenv("VITALS_SERVICE"), "the service label (env VITALS_SERVICE)")
	a.timeout, code, ok = c.timeoutFlag(fs)
	return a, code, ok
}

// open checks the parsed alerting flags and builds the sinks; with none
// configured the alerts go to the log on stderr, and a note says so. ok
// false means a flag was refused and the usage error has been reported.
func (c *cli) open(cmd string, a *alerting) (sinks []alert.Sink, sev alert.Severity, code int, ok bool) {
	switch *a.severity {
	case "ticket":
		sev = alert.Ticket
	case "page":
		sev = alert.Page
	default:
		return nil, 0, c.usageError("vitals "+cmd, fmt.Sprintf("--severity %s is not a severity", record.Quote(*a.severity, 40)),
			"give --severity ticket (look today) or --severity page (act now)"), false
	}
	if *a.timeout <= 0 {
		return nil, 0, c.usageError("vitals "+cmd, "--timeout "+a.timeout.String()+" is not positive", "give a positive duration such as 10s"), false
	}
	if *a.service != "" {
		reqid.SetService(*a.service, "")
	}
	sinks, code, ok = c.sinks(cmd, a.sinks, *a.timeout)
	if !ok {
		return nil, 0, code, false
	}
	if len(sinks) == 0 {
		fmt.Fprintf(c.stderr, "vitals %s: no sink configured: alerts are written to stderr only; set --alertmanager or VITALS_ALERTMANAGER_URL (or the --smtp flags) to reach a person\n", cmd)
		sinks = []alert.Sink{newLogSink(c.stderr)}
	}
	return sinks, sev, exitOK, true
}

// safeErr is err's text fit for a terminal line.
func safeErr(err error) string { return record.Safe(err.Error(), 500) }
