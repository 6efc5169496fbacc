package alert

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// DefaultSMTPRetryAfter is the Retry-After of an SMTP 4xx reply. SMTP has
// no standard way to say how long to wait, and a throttled account (Gmail's
// "421 4.7.0 Try again later") is throttled for minutes, so a minute keeps
// the sink's breaker from hammering it.
const DefaultSMTPRetryAfter = time.Minute

// SMTPConfig configures NewSMTP. Addr, From and To are required.
type SMTPConfig struct {
	// Addr is the server's host:port, such as smtp.example.com:587.
	Addr string
	// From is the sender address ("Alerts <alerts@example.com>").
	From string
	// To are the recipient addresses; at least one.
	To []string
	// Name is the sink's name in stats and logs; empty means "smtp".
	Name string
	// Auth authenticates after STARTTLS; nil means no authentication.
	Auth smtp.Auth
	// TLS configures STARTTLS, used whenever the server offers it; nil
	// means the host of Addr as ServerName and the system roots.
	TLS *tls.Config
	// Helo is the name sent in EHLO; empty means "localhost".
	Helo string
	// RetryAfter is the Retry-After of a 4xx reply
	// (DefaultSMTPRetryAfter when zero; MaxRetryAfter at most).
	RetryAfter time.Duration
}

// SMTP is a Sink that mails one message per event to the recipients, over
// a connection of its own per Send bounded by Send's ctx: dial, every
// reply and the message all stop at ctx's deadline or cancellation.
//
// The subject reads "[page] payments breaker open", with "(resolved)" for
// a Resolved event and "(+412 more since 10:02 UTC)" for a digest; the
// plain-text body lists severity, status, service and host, occurrences,
// remedy, error, request and trace IDs and the fields, one per line (the
// text the webhook and command sinks send too). Alert text cannot forge
// headers or lines: control characters and bidirectional overrides in it
// become spaces and non-ASCII text is MIME-encoded; the body is
// quoted-printable.
//
// SMTP is right for a team that reads mail and has no Alertmanager; it
// costs one connection and transaction per event (about a round trip per
// command), so it relies on the Notifier's throttle. A server that is down
// fails each Send (the breaker then drops, counted); one that throttles
// keeps the breaker open for RetryAfter.
//
// Send's errors are errctx errors: a 4xx reply (421, 450, 451, 452, 454:
// how a throttled or busy server answers) is Transient with RetryAfter,
// which opens the sink's breaker for that long; a 5xx reply is Permanent;
// a refused connection is Transient; a timeout or a connection lost
// mid-way is Indeterminate.
type SMTP struct {
	cfg  SMTPConfig
	host string
}

// NewSMTP returns the sink. An invalid config is refused with an errctx
// error naming the field.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	rules := []rule{
		{err != nil || host == "", "Addr", "is not host:port", "set the server's host:port, such as smtp.example.com:587"},
		{!validAddress(cfg.From), "From", "is not one mail address", "set the sender, such as alerts@example.com"},
		{len(cfg.To) == 0, "To", "is empty", "give at least one recipient"},
	}
	for i, to := range cfg.To {
		rules = append(rules, rule{!validAddress(to), "To[" + strconv.Itoa(i) + "]", "is not one mail address", "give one address per entry"})
	}
	rules = append(rules, notNegative("RetryAfter", cfg.RetryAfter),
		rule{cfg.RetryAfter > MaxRetryAfter, "RetryAfter", "is longer than MaxRetryAfter", "set at most " + MaxRetryAfter.String()},
		rule{strings.ContainsAny(cfg.Helo, "\r\n"), "Helo", "has a line break", "give a host name"})
	if err := checkConfig("SMTPConfig", rules...); err != nil {
		return nil, err
	}
	cfg.Name = or(cfg.Name, "smtp")
	cfg.Helo = or(cfg.Helo, "localhost")
	cfg.RetryAfter = or(cfg.RetryAfter, DefaultSMTPRetryAfter)
	return &SMTP{cfg: cfg, host: host}, nil
}

// validAddress reports whether s is exactly one address without line
// breaks, which would let it inject commands or headers.
func validAddress(s string) bool {
	if strings.ContainsAny(s, "\r\n") {
		return false
	}
	_, err := mail.ParseAddress(s)
	return err == nil
}

// Name returns the configured name, "smtp" by default.
func (s *SMTP) Name() string { return s.cfg.Name }

// Send mails ev; see SMTP for the message and the errors.
func (s *SMTP) Send(ctx context.Context, ev Event) error {
	msg := s.message(ev, time.Now())
	if err := s.deliver(ctx, msg); err != nil {
		return s.classify(err)
	}
	return nil
}

// deliver runs one SMTP transaction for msg.
func (s *SMTP) deliver(ctx context.Context, msg []byte) error {
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	// A cancelled ctx unblocks any read or write in flight.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(s.cfg.Helo); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.cfg.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: s.host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return err
		}
	}
	if s.cfg.Auth != nil {
		if err := c.Auth(s.cfg.Auth); err != nil {
			return err
		}
	}
	if err := c.Mail(address(s.cfg.From)); err != nil {
		return err
	}
	for _, to := range s.cfg.To {
		if err := c.Rcpt(address(to)); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// address is the bare address of a validated one.
func address(s string) string {
	a, _ := mail.ParseAddress(s)
	return a.Address
}

// classify makes err an errctx error classed as SMTP's doc comment says.
func (s *SMTP) classify(err error) error {
	attempted := "mail alert via " + s.cfg.Addr
	var reply *textproto.Error
	if !errors.As(err, &reply) {
		return errctx.Wrap(err, attempted, errctx.Remedy("check that the SMTP server runs at "+s.cfg.Addr))
	}
	if reply.Code >= 400 && reply.Code < 500 {
		return errctx.Wrap(err, attempted, errctx.WithClass(errctx.Transient),
			errctx.RetryAfter(s.cfg.RetryAfter), errctx.Fields("reply", reply.Code),
			errctx.Remedy("the server is throttling or busy; alerts resume when it accepts mail again"))
	}
	return errctx.Wrap(err, attempted, errctx.WithClass(errctx.Permanent), errctx.Fields("reply", reply.Code),
		errctx.Remedy("check SMTPConfig (addresses, Auth) against the server's reply"))
}
