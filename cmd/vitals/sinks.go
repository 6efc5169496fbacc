package main

import (
	"flag"
	"fmt"
	"net/smtp"
	"strings"
	"time"

	"github.com/vitals-go/vitals/alert"
)

// sinkFlag is one setting of a sink: its flag, and the VITALS_* variable
// that is its default (the flag wins).
type sinkFlag struct {
	flag, env, usage string
}

// sinkSpec is one kind of sink vitals delivers to: the settings that
// configure it, and how to build it from them. A sink is used when its
// first setting is given; build reports a bad combination.
type sinkSpec struct {
	settings []sinkFlag
	build    func(v []string, timeout time.Duration, getenv env) (alert.Sink, error)
}

// sinkSpecs are the sinks of vitals alert and vitals check, in the order
// their help lists them. Adding a sink is adding an entry.
var sinkSpecs = []sinkSpec{
	{
		settings: []sinkFlag{
			{"alertmanager", "VITALS_ALERTMANAGER_URL", "Alertmanager's base URL, e.g. http://127.0.0.1:9093"},
			{"alertmanager-labels", "VITALS_ALERTMANAGER_LABELS", "comma-separated field keys sent as labels (for routing), not annotations"},
		},
		build: func(v []string, timeout time.Duration, _ env) (alert.Sink, error) {
			return alert.NewAlertmanager(alert.AlertmanagerConfig{URL: v[0], LabelFields: list(v[1]), Timeout: timeout})
		},
	},
	{
		settings: []sinkFlag{
			{"smtp", "VITALS_SMTP_ADDR", "mail server host:port, e.g. smtp.example.com:587"},
			{"smtp-from", "VITALS_SMTP_FROM", "sender address"},
			{"smtp-to", "VITALS_SMTP_TO", "comma-separated recipient addresses"},
			{"smtp-user", "VITALS_SMTP_USER", "user for PLAIN auth after STARTTLS"},
		},
		build: func(v []string, _ time.Duration, getenv env) (alert.Sink, error) {
			cfg := alert.SMTPConfig{Addr: v[0], From: v[1], To: list(v[2])}
			if v[3] != "" {
				host, _, _ := strings.Cut(v[0], ":")
				cfg.Auth = smtp.PlainAuth("", v[3], getenv("VITALS_SMTP_PASSWORD"), host)
			}
			return alert.NewSMTP(cfg)
		},
	},
	{
		settings: []sinkFlag{
			{"webhook", "VITALS_WEBHOOK_URL", "URL that receives each alert as a JSON POST (Slack-compatible \"text\")"},
		},
		build: func(v []string, timeout time.Duration, _ env) (alert.Sink, error) {
			return alert.NewWebhook(alert.WebhookConfig{URL: v[0], Timeout: timeout})
		},
	},
	{
		settings: []sinkFlag{
			{"command", "VITALS_COMMAND", "program run once per alert with its text on stdin, e.g. /usr/bin/mail"},
			{"command-args", "VITALS_COMMAND_ARGS", "comma-separated arguments of --command; " + alert.SubjectArg + " is the subject, e.g. -s," + alert.SubjectArg + ",oncall@example.com"},
		},
		build: func(v []string, timeout time.Duration, _ env) (alert.Sink, error) {
			return alert.NewCommand(alert.CommandConfig{Path: v[0], Args: list(v[1]), Timeout: timeout})
		},
	},
}

// list splits a comma-separated setting, dropping empty items.
func list(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// sinkValues holds the settings of every sink, as parsed.
type sinkValues [][]*string

// sinkFlags adds every sink's settings to fs, each defaulting to its
// VITALS_* variable.
func (c *cli) sinkFlags(fs *flag.FlagSet) sinkValues {
	values := make(sinkValues, len(sinkSpecs))
	for i, spec := range sinkSpecs {
		for _, s := range spec.settings {
			values[i] = append(values[i], fs.String(s.flag, c.getenv(s.env), s.usage+" (env "+s.env+")"))
		}
	}
	return values
}

// sinks builds the sinks whose settings are given; ok false means a
// setting was refused and the usage error has been reported.
func (c *cli) sinks(cmd string, values sinkValues, timeout time.Duration) (sinks []alert.Sink, code int, ok bool) {
	for i, spec := range sinkSpecs {
		v := make([]string, len(values[i]))
		for j, p := range values[i] {
			v[j] = strings.TrimSpace(*p)
		}
		if v[0] == "" {
			continue
		}
		s, err := spec.build(v, timeout, c.getenv)
		if err != nil {
			closeSinks(sinks)
			first := spec.settings[0]
			return nil, c.usageError("vitals "+cmd+": configuring the sink --"+first.flag, err.Error(),
				fmt.Sprintf("check --%s and the flags that go with it (vitals %s -h)", first.flag, cmd)), false
		}
		sinks = append(sinks, s)
	}
	return sinks, exitOK, true
}

// closeSinks stops what the sinks started (Alertmanager's refresh).
func closeSinks(sinks []alert.Sink) {
	for _, s := range sinks {
		if c, ok := s.(interface{ Close() error }); ok {
			_ = c.Close()
		}
	}
}

// sinkHelp is the part of a help text that lists the sinks' flags.
func sinkHelp() string {
	var b strings.Builder
	b.WriteString(`
Sinks (a sink is used when its first flag or variable is set; flags win over
the environment; with none set, the alert is written to stderr only):
`)
	for _, spec := range sinkSpecs {
		for _, s := range spec.settings {
			fmt.Fprintf(&b, "  --%s V  (env %s)\n      %s\n", s.flag, s.env, s.usage)
		}
	}
	b.WriteString(`  VITALS_SMTP_PASSWORD
      the password for --smtp-user (environment only: a flag would show in
      the process list)
`)
	return b.String()
}
