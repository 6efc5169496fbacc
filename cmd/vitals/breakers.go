package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/internal/record"
)

// maxStatusSize bounds the status body read, so that a wrong URL serving a
// large file cannot exhaust memory.
const maxStatusSize = 8 << 20

// Widths of the table's text columns, before escaping cuts them.
const (
	nameWidth = 40
	textWidth = 60
)

var breakersCommand = &command{
	name:    "breakers",
	summary: "show the breakers of a service's breaker.Registry status endpoint",
	help:    breakersHelp,
	run:     runBreakers,
}

// breakersHelp is the help of vitals breakers.
const breakersHelp = `Usage: vitals breakers [flags] [URL]

Reads the status a breaker.Registry serves (Registry.Handler, e.g. at
/debug/breakers) and prints one line per breaker: name, state, whether it is
critical, since when, why, when calls resume and the last error. Names,
reasons and errors are escaped (control, C1 and bidi characters) and long
ones are cut; --json prints the status in full.

Flags:
  --json          print the status as JSON instead of a table
  --timeout D     how long the request may take (default 10s, env VITALS_TIMEOUT)
` + envHelp + `
Exit statuses:
  0  every critical breaker lets calls through (others may be open: degraded)
  1  a critical breaker is open: the endpoint answers 503, status "unavailable"
  2  usage error: unknown flag, no URL, more than one URL, bad VITALS_TIMEOUT
  3  the endpoint could not be read: unreachable, not http(s), a status other
     than 200 or 503, or a body that is not a Registry's JSON status

Example:
  vitals breakers http://127.0.0.1:8080/debug/breakers
`

func runBreakers(c *cli, args []string) int {
	fs := c.flagSet("breakers", breakersHelp)
	asJSON := fs.Bool("json", false, "print the status as JSON")
	timeout, code, ok := c.timeoutFlag(fs)
	if !ok {
		return code
	}
	rest, code, ok := c.parse(fs, args)
	if !ok {
		return code
	}
	target := c.getenv("VITALS_BREAKERS_URL")
	switch {
	case len(rest) == 1:
		target = rest[0]
	case len(rest) > 1:
		return c.usageError("vitals breakers", fmt.Sprintf("%d URLs given", len(rest)), "give one URL, e.g. vitals breakers http://127.0.0.1:8080/debug/breakers")
	case target == "":
		return c.usageError("vitals breakers", "no URL given", "give the URL of the service's breaker status, e.g. vitals breakers http://127.0.0.1:8080/debug/breakers, or set VITALS_BREAKERS_URL")
	}
	st, code, ok := c.fetchStatus(target, *timeout)
	if !ok {
		return code
	}
	if *asJSON {
		out, _ := json.MarshalIndent(st, "", "  ") // a Status of decoded snapshots always encodes
		c.stdout.Write(append(escapeJSON(out), '\n'))
	} else {
		printBreakers(c.stdout, st, time.Now())
	}
	if st.Health == breaker.Unavailable {
		fmt.Fprintln(c.stderr, "vitals: a critical breaker is open: the service answers 503 to its health check")
		return exitAttention
	}
	return exitOK
}

// fetchStatus GETs and decodes the Registry status at target; ok false
// means the failure has been reported and code is the exit status.
func (c *cli) fetchStatus(target string, timeout time.Duration) (st breaker.Status, code int, ok bool) {
	attempted := "reading the breaker status at " + record.Safe(target, 200)
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return st, c.usageError(attempted, "it is not an http:// or https:// URL",
			"give the full URL of the status endpoint, e.g. http://127.0.0.1:8080/debug/breakers"), false
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return st, c.usageError(attempted, err.Error(), "give the full URL of the status endpoint"), false
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		remedy := "check that the service runs and listens there (host, port, firewall), and that the URL is right"
		if errors.Is(err, context.DeadlineExceeded) {
			remedy = fmt.Sprintf("the service did not answer within %s; check that it is not stuck, or raise --timeout", timeout)
		}
		return st, c.fail(exitUnread, attempted, record.Safe(err.Error(), 300), remedy), false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxStatusSize+1))
	if err != nil {
		return st, c.fail(exitUnread, attempted, "reading the answer: "+record.Safe(err.Error(), 300), "try again; check the service's logs if it persists"), false
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return st, c.fail(exitUnread, attempted, fmt.Sprintf("the server answered %s: %s", record.Safe(resp.Status, 100), record.Safe(string(body), 200)),
			"check the URL: it must be the path where the service serves breaker.Registry.Handler (e.g. /debug/breakers), which answers 200 or 503"), false
	}
	if len(body) > maxStatusSize {
		return st, c.fail(exitUnread, attempted, fmt.Sprintf("the answer is larger than %d bytes", maxStatusSize),
			"check the URL: it must be the path where the service serves breaker.Registry.Handler"), false
	}
	if err := json.Unmarshal(body, &st); err != nil || st.Health == "" {
		problem := "the answer is not a breaker Registry's status (no \"status\" field)"
		if err != nil {
			problem = "the answer is not a breaker Registry's JSON status: " + record.Safe(err.Error(), 200)
		}
		return st, c.fail(exitUnread, attempted, problem,
			"check the URL: it must be the path where the service serves breaker.Registry.Handler (e.g. /debug/breakers)"), false
	}
	if resp.StatusCode == http.StatusServiceUnavailable {
		st.Health = breaker.Unavailable // the handler's verdict, whatever the body claims
	}
	return st, exitOK, true
}

// printBreakers writes st as a table, its times relative to now.
func printBreakers(w io.Writer, st breaker.Status, now time.Time) {
	fmt.Fprintf(w, "status: %s, %d breakers\n", record.Safe(string(st.Health), 20), len(st.Breakers))
	if len(st.Breakers) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tCRITICAL\tSINCE\tREASON\tRESUMES\tLAST ERROR")
	for _, s := range st.Breakers {
		critical := "-"
		if s.Critical {
			critical = "yes"
		}
		lastErr := "-"
		if s.LastError != nil {
			lastErr = record.Safe(s.LastError.Error(), textWidth)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			record.Safe(s.Name, nameWidth), s.State, critical, when(s.Since, now),
			orDash(record.Safe(s.Reason, textWidth)), resumes(s, now), lastErr)
	}
	tw.Flush()
}

// resumes says when a breaker in snapshot s lets calls through again.
func resumes(s breaker.Snapshot, now time.Time) string {
	switch s.State {
	case breaker.Open:
		if !s.OpenUntil.After(now) {
			return "next call probes"
		}
		return when(s.OpenUntil, now)
	case breaker.ForcedOpen:
		return "when reset"
	case breaker.HalfOpen:
		return "probing"
	default:
		return "-"
	}
}

// when is t in UTC to the second, with how far it is from now.
func when(t time.Time, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t).Round(time.Second)
	rel := d.String() + " ago"
	if d < 0 {
		rel = "in " + (-d).String()
	}
	return t.UTC().Format(time.DateTime) + " (" + rel + ")"
}

// orDash is s, or "-" for an empty s, so that no table cell is blank.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// escapeJSON returns the JSON text js with the C1 and bidi characters that
// encoding/json leaves raw written as \u escapes, which decode to the same
// text but cannot rewrite a terminal.
func escapeJSON(js []byte) []byte {
	out := make([]byte, 0, len(js))
	for _, r := range string(js) {
		if r >= utf8.RuneSelf && !record.Printable(string(r)) {
			out = fmt.Appendf(out, `\u%04x`, r)
			continue
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}
