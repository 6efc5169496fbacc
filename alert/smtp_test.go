package alert_test

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
)

func newSMTP(t *testing.T, addr string) *alert.SMTP {
	t.Helper()
	s, err := alert.NewSMTP(alert.SMTPConfig{Addr: addr, From: "Alerts <alerts@example.com>",
		To: []string{"oncall@example.com", "dev@example.com"}})
	require.NoError(t, err)
	return s
}

// parseMail parses a received message and decodes its subject and body.
func parseMail(t *testing.T, raw string) (*mail.Message, string, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	require.NoError(t, err)
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	require.NoError(t, err)
	return m, subject, string(body)
}

func TestSMTPMailsOneMessagePerEvent(t *testing.T) {
	srv := newSMTPServer(t, nil)
	s := newSMTP(t, srv.addr())
	assert.Equal(t, "smtp", s.Name())
	ev := amEvent("fp-1", false)
	ev.Suppressed = 0
	require.NoError(t, s.Send(context.Background(), ev))
	msgs := srv.wait(t, 1)
	m, subject, body := parseMail(t, msgs[0])
	assert.Equal(t, "Alerts <alerts@example.com>", m.Header.Get("From"))
	assert.Equal(t, "oncall@example.com, dev@example.com", m.Header.Get("To"))
	assert.Equal(t, "[page] payments breaker open", subject)
	assert.NotEmpty(t, m.Header.Get("Message-ID"))
	_, err := m.Header.Date()
	assert.NoError(t, err)
	for _, want := range []string{"Severity:    page", "Status:      firing", "billing", "Remedy:      check the payments gateway",
		"Error:       charging customer 42", "Request ID:  req-1", "dependency:  payments", "customer:    42"} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "Suppressed")
}

func TestSMTPDigestAndResolvedSubjects(t *testing.T) {
	srv := newSMTPServer(t, nil)
	s := newSMTP(t, srv.addr())
	digest := amEvent("fp-1", false)
	digest.Suppressed = 412
	digest.FirstSeen = time.Date(2026, 12, 6, 10, 2, 0, 0, time.UTC)
	resolved := amEvent("fp-1", true)
	resolved.Status = alert.Resolved
	require.NoError(t, s.Send(context.Background(), digest))
	require.NoError(t, s.Send(context.Background(), resolved))
	msgs := srv.wait(t, 2)
	_, subject, body := parseMail(t, msgs[0])
	assert.Equal(t, "[page] payments breaker open (+412 more since 10:02 UTC)", subject)
	assert.Contains(t, body, "Suppressed:  412 more not sent")
	_, subject, _ = parseMail(t, msgs[1])
	assert.Equal(t, "[page] payments breaker open (resolved)", subject)
}

// Alert text with CR LF must not add headers or end the header block.
func TestSMTPHeaderInjection(t *testing.T) {
	srv := newSMTPServer(t, nil)
	s := newSMTP(t, srv.addr())
	ev := amEvent("fp-1", false)
	ev.Suppressed = 0
	ev.Summary = "boom\r\nBcc: victim@example.org\r\n\r\nforged body é"
	require.NoError(t, s.Send(context.Background(), ev))
	m, subject, _ := parseMail(t, srv.wait(t, 1)[0])
	assert.Empty(t, m.Header.Get("Bcc"))
	assert.Equal(t, "[page] boom  Bcc: victim@example.org    forged body é", subject)
}

func TestSMTPThrottleRepliesAreTransientWithRetryAfter(t *testing.T) {
	for _, reply := range []string{"421 4.7.0 Try again later, closing connection",
		"451 4.3.0 Mail server temporarily rejected message", "454 4.7.0 Too many login attempts"} {
		t.Run(reply[:3], func(t *testing.T) {
			srv := newSMTPServer(t, func(int) string { return reply })
			err := newSMTP(t, srv.addr()).Send(context.Background(), amEvent("fp", false))
			require.Error(t, err)
			assert.Equal(t, errctx.Transient, errctx.ClassOf(err))
			after, ok := errctx.RetryAfterOf(err)
			assert.True(t, ok)
			assert.Equal(t, alert.DefaultSMTPRetryAfter, after)
			_, refused := srv.received()
			assert.Equal(t, 1, refused)
		})
	}
}

func TestSMTPRetryAfterFromConfig(t *testing.T) {
	srv := newSMTPServer(t, func(int) string { return "421 4.7.0 Try again later" })
	s, err := alert.NewSMTP(alert.SMTPConfig{Addr: srv.addr(), From: "a@example.com", To: []string{"b@example.com"},
		RetryAfter: 5 * time.Minute})
	require.NoError(t, err)
	after, ok := errctx.RetryAfterOf(s.Send(context.Background(), amEvent("fp", false)))
	assert.True(t, ok)
	assert.Equal(t, 5*time.Minute, after)
}

func TestSMTPPermanentReply(t *testing.T) {
	srv := newSMTPServer(t, func(int) string { return "550 5.7.1 Relaying denied" })
	err := newSMTP(t, srv.addr()).Send(context.Background(), amEvent("fp", false))
	require.Error(t, err)
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	_, ok := errctx.RetryAfterOf(err)
	assert.False(t, ok)
}

func TestSMTPServerDownIsTransient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	err = newSMTP(t, addr).Send(context.Background(), amEvent("fp", false))
	require.Error(t, err)
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err))
}

// A server that never answers holds Send only until ctx ends.
func TestSMTPSendHonoursCtx(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c // holds the connection open, silent
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err = newSMTP(t, ln.Addr().String()).Send(ctx, amEvent("fp", false))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
	(<-accepted).Close()
}

func TestNewSMTPRefusesBadConfig(t *testing.T) {
	ok := alert.SMTPConfig{Addr: "127.0.0.1:25", From: "a@example.com", To: []string{"b@example.com"}}
	for field, mutate := range map[string]func(*alert.SMTPConfig){
		"Addr":        func(c *alert.SMTPConfig) { c.Addr = "localhost" },
		"From":        func(c *alert.SMTPConfig) { c.From = "a@example.com\r\nRCPT TO:<x@y>" },
		"To":          func(c *alert.SMTPConfig) { c.To = nil },
		"To[1]":       func(c *alert.SMTPConfig) { c.To = []string{"b@example.com", "not an address"} },
		"RetryAfter":  func(c *alert.SMTPConfig) { c.RetryAfter = -1 },
		"RetryAfter ": func(c *alert.SMTPConfig) { c.RetryAfter = alert.MaxRetryAfter + time.Second },
		"Helo":        func(c *alert.SMTPConfig) { c.Helo = "x\r\nMAIL FROM:<a@b>" },
	} {
		cfg := ok
		mutate(&cfg)
		_, err := alert.NewSMTP(cfg)
		require.Error(t, err, field)
		assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "SMTPConfig."+strings.TrimSpace(field)))
	}
}

// C1 controls (NEL ends a line for some readers) and bidirectional
// overrides (which make "exe.pdf" read "fdp.exe") are spaces in the subject,
// and no line of the body begins with alert text.
func TestSMTPSubjectAndBodyNeutraliseHostileText(t *testing.T) {
	srv := newSMTPServer(t, nil)
	s := newSMTP(t, srv.addr())
	ev := amEvent("fp-1", false)
	ev.Suppressed = 0
	ev.Summary = "invoice\u0085Bcc: x\u202Efdp.exe\u2066!\u2069"
	ev.Remedy = "restart\n~! rm -rf /"
	require.NoError(t, s.Send(context.Background(), ev))
	_, subject, body := parseMail(t, srv.wait(t, 1)[0])
	assert.Equal(t, "[page] invoice Bcc: x fdp.exe !", subject)
	for _, l := range strings.Split(body, "\n") {
		assert.False(t, strings.HasPrefix(l, "~"), "body line %q", l)
	}
	assert.Contains(t, body, "Remedy:      restart ~! rm -rf /")
}
