package alert

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// DefaultCommandTimeout bounds one run of a Command whose Timeout is zero.
const DefaultCommandTimeout = 30 * time.Second

// maxStderr bounds the standard error of a run kept for its error.
const maxStderr = 4 << 10

// SubjectArg, as an element of CommandConfig.Args, is replaced by the
// alert's subject.
const SubjectArg = "{subject}"

// CommandConfig configures NewCommand. Only Path is required.
type CommandConfig struct {
	// Path is the program, such as /usr/bin/mail. A name without a slash
	// is looked up in PATH once, by NewCommand.
	Path string
	// Args are the program's arguments. An element that is exactly
	// SubjectArg is replaced by the subject, "[page] payments breaker
	// open": one line that begins with '[', so that it cannot pass for an
	// option. For mail: {"-s", alert.SubjectArg, "oncall@example.com"}.
	Args []string
	// Name is the sink's name in stats and logs; empty means "command".
	Name string
	// Env is added to the environment the program inherits, as
	// "KEY=value" entries.
	Env []string
	// Timeout bounds one run (DefaultCommandTimeout when zero). Send's ctx
	// bounds it too: under a Notifier, Config.Timeout (10 s by default)
	// ends a longer run first. At the end the program's whole process
	// group is killed.
	Timeout time.Duration
}

// Command is a Sink that runs a program once per event, /usr/bin/mail
// style: the alert's text (the body the SMTP sink mails, one fact per
// line, no line beginning with alert text) on its standard input, the
// subject where Args say SubjectArg, and in its environment
// ALERT_SUBJECT, ALERT_SEVERITY ("page" or "ticket"), ALERT_STATUS
// ("firing" or "resolved") and ALERT_FINGERPRINT. Its standard output is
// discarded.
//
// A command is right where a host already knows how to reach people (a
// configured mail or sendmail, a pager script) and no HTTP destination is
// at hand; it costs a process per event (a few milliseconds), so it relies
// on the Notifier's throttle. A run that exits 0 has delivered, even one
// that leaves a child holding its standard error (Send returns a second
// after the exit). A run that exits non-zero fails, Transient,
// with the exit code and the first 4 KiB of its standard error in the
// error's fields; when the destination behind it is down the breaker then
// drops events, counted. A run that outlives Timeout or Send's ctx is
// killed with its whole process group (on Unix; elsewhere the process
// alone), and fails Indeterminate: it may have delivered. Commands have no
// Retry-After: a throttled destination shows as failures.
type Command struct {
	cfg  CommandConfig
	path string
}

// NewCommand returns the sink, or an errctx error naming the invalid field
// of cfg (a Path that is not an executable program, an argument or an
// environment entry holding a NUL, which no run could be given, among
// them).
func NewCommand(cfg CommandConfig) (*Command, error) {
	path, err := exec.LookPath(cfg.Path)
	rules := []rule{
		{cfg.Path == "" || err != nil, "Path", "is not an executable program", "give the program's path, such as /usr/bin/mail"},
		notNegative("Timeout", cfg.Timeout),
	}
	for i, a := range cfg.Args {
		rules = append(rules, rule{strings.Contains(a, "\x00"), "Args[" + strconv.Itoa(i) + "]", "has a NUL",
			"leave NUL out; a program's argument cannot hold one"})
	}
	for i, kv := range cfg.Env {
		field := "Env[" + strconv.Itoa(i) + "]"
		rules = append(rules, rule{!strings.Contains(kv, "=") || strings.HasPrefix(kv, "="), field, "is not KEY=value", "give one KEY=value per entry"},
			rule{strings.Contains(kv, "\x00"), field, "has a NUL", "leave NUL out; an environment entry cannot hold one"})
	}
	if err := checkConfig("CommandConfig", rules...); err != nil {
		return nil, err
	}
	cfg.Name = or(cfg.Name, "command")
	cfg.Timeout = or(cfg.Timeout, DefaultCommandTimeout)
	return &Command{cfg: cfg, path: path}, nil
}

// Name returns the configured name, "command" by default.
func (c *Command) Name() string { return c.cfg.Name }

// Send runs the program for ev; see Command for what it is given and the
// errors.
func (c *Command) Send(ctx context.Context, ev Event) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	sub := subject(ev)
	args := make([]string, len(c.cfg.Args))
	for i, a := range c.cfg.Args {
		args[i] = a
		if a == SubjectArg {
			args[i] = sub
		}
	}
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Stdin = strings.NewReader(body(ev))
	var stderr headBuffer
	cmd.Stderr = &stderr
	env := os.Environ()
	cmd.Env = append(append(env[:len(env):len(env)], c.cfg.Env...),
		"ALERT_SUBJECT="+sub, "ALERT_SEVERITY="+ev.Severity.String(),
		"ALERT_STATUS="+ev.Status.String(), "ALERT_FINGERPRINT="+oneLine(ev.Fingerprint))
	killGroupOnCancel(cmd)
	// A child that holds standard error open (in the background after its
	// parent exited, or out of the group after the kill) must not hold
	// Send more than a second.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil || errors.Is(err, exec.ErrWaitDelay) && ctx.Err() == nil {
		// ErrWaitDelay: the program exited 0, and a child it left running
		// holds its standard error; the program delivered.
		return nil
	}
	attempted := "run alert command " + c.path
	fields := errctx.Fields("stderr", strconv.QuoteToASCII(string(stderr.b)), "stderr_dropped_bytes", stderr.dropped)
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return errctx.Wrap(ctx.Err(), attempted, errctx.WithClass(errctx.Indeterminate), fields,
			errctx.Remedy("the command did not finish in time and was killed with its process group; check what it waits for or raise CommandConfig.Timeout"))
	case errors.As(err, &exit):
		return errctx.Wrap(err, attempted, errctx.WithClass(errctx.Transient), fields,
			errctx.Fields("exit_code", exit.ExitCode()),
			errctx.Remedy("read the command's stderr in this error's fields; check the destination it delivers to"))
	}
	return errctx.Wrap(err, attempted, errctx.WithClass(errctx.Permanent), fields,
		errctx.Remedy("check that CommandConfig.Path can be run by this process"))
}

// headBuffer keeps the first maxStderr bytes written to it and counts the
// rest, which it reads and discards so that the program never blocks on a
// full pipe.
type headBuffer struct {
	b       []byte
	dropped int64
}

func (h *headBuffer) Write(p []byte) (int, error) {
	keep := min(len(p), maxStderr-len(h.b))
	h.b = append(h.b, p[:keep]...)
	h.dropped += int64(len(p) - keep)
	return len(p), nil
}
