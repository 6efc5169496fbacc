package alert

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/vitals-go/vitals/internal/record"
)

// maxSubject bounds the summary in a subject, far below SMTP's line limit
// and a command line's.
const maxSubject = 200

// maxValue bounds each value in a body (and the summary in its headline),
// so that an error carrying a whole response or stack cannot make a
// message of megabytes: a person reads the start, the log has the rest.
const maxValue = 2000

// The text of an alert for a person is rendered here once, for every sink
// that speaks to people: the SMTP subject and body, the webhook's text and
// the command's argument and standard input.

// subject is one line, "[severity] summary", the summary cut at maxSubject
// characters and marked for a resolution or a digest. It never begins with
// alert text ('[' first), so it cannot pass for a command-line option.
func subject(ev Event) string { return headline(ev, maxSubject) }

// body is the plain text of an alert: the headline, then one
// "Key:  value" line per fact, each value cut at maxValue characters. Every value is made one line, so no
// line of the body begins with alert text: a summary or field cannot forge
// a line, nor start one with a mail program's "~" escape.
func body(ev Event) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-12s %s\n", clip(oneLine(k), maxSubject)+":", clip(oneLine(v), maxValue))
		}
	}
	b.WriteString(headline(ev, maxValue) + "\n\n")
	line("Severity", ev.Severity.String())
	line("Status", ev.Status.String())
	p := ev.Process
	if p.Service != "" || p.Host != "" {
		line("Service", fmt.Sprintf("%s %s on %s, pid %d", p.Service, p.Version, p.Host, p.PID))
	}
	if ev.Occurrence > 0 {
		line("Occurrence", fmt.Sprintf("%d since %s, last at %s", ev.Occurrence,
			ev.FirstSeen.UTC().Format(time.RFC3339), ev.LastSeen.UTC().Format(time.RFC3339)))
	}
	if ev.Suppressed > 0 {
		line("Suppressed", fmt.Sprintf("%d more not sent since the previous message", ev.Suppressed))
	}
	line("Remedy", ev.Remedy)
	if ev.Err != nil {
		line("Error", ev.Err.Error())
	}
	line("Request ID", ev.RequestID)
	line("Trace ID", ev.TraceID)
	line("Fingerprint", ev.Fingerprint)
	for _, f := range ev.Fields {
		line(f.Key, fieldValue(f))
	}
	return b.String()
}

// headline is "[severity] summary" with the summary cut at limit
// characters, marked for a resolution or a digest.
func headline(ev Event, limit int) string {
	out := "[" + ev.Severity.String() + "] " + clip(oneLine(ev.Summary), limit)
	switch {
	case ev.Status == Resolved:
		out += " (resolved)"
	case ev.Suppressed > 0:
		out += fmt.Sprintf(" (+%d more since %s)", ev.Suppressed, ev.FirstSeen.UTC().Format("15:04 MST"))
	}
	return out
}

// clip cuts s to limit characters, marking the cut with "…".
func clip(s string, limit int) string {
	if len(s) <= limit { // bytes: most text is ASCII, and then no rune slice is made
		return s
	}
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}

// oneLine replaces control characters (CR, LF, C1 such as NEL among them),
// the line and paragraph separators U+2028 and U+2029 (which chat clients
// and browsers break lines at) and the bidirectional overrides and
// isolates with spaces, so that alert text can neither end a line nor make
// a line read other than it is.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || record.UnsafeRune(r) {
			return ' '
		}
		return r
	}, s)
}
