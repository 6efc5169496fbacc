package alert

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
	"unicode"
)

// maxSubject bounds the summary in a subject, far below SMTP's line limit.
const maxSubject = 200

// message renders ev as a complete RFC 5322 message.
func (s *SMTP) message(ev Event, now time.Time) []byte {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.cfg.From)
	header("To", strings.Join(s.cfg.To, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", subject(ev)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+randomID()+"@"+s.host+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(body(ev)))
	_ = qp.Close()
	return b.Bytes()
}

// subject is "[severity] summary", marked for a resolution or a digest.
func subject(ev Event) string {
	sum := oneLine(ev.Summary)
	if r := []rune(sum); len(r) > maxSubject {
		sum = string(r[:maxSubject]) + "…"
	}
	out := "[" + ev.Severity.String() + "] " + sum
	switch {
	case ev.Status == Resolved:
		out += " (resolved)"
	case ev.Suppressed > 0:
		out += fmt.Sprintf(" (+%d more since %s)", ev.Suppressed, ev.FirstSeen.UTC().Format("15:04 MST"))
	}
	return out
}

// body is the plain text of the message.
func body(ev Event) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-12s %s\n", k+":", v)
		}
	}
	b.WriteString(ev.Summary + "\n\n")
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
		line("Suppressed", fmt.Sprintf("%d more not mailed since the previous message", ev.Suppressed))
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

// oneLine replaces control characters (CR and LF among them) with spaces,
// so that alert text cannot end a header line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// randomID is 16 random bytes in hex, for Message-ID.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
