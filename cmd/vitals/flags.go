package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// defaultTimeout bounds a request when neither --timeout nor VITALS_TIMEOUT
// says otherwise.
const defaultTimeout = 10 * time.Second

// flagSet returns the flag set of the command called name, whose -h prints
// help to stdout.
func (c *cli) flagSet(name, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors itself, with the remedy
	fs.Usage = func() { fmt.Fprint(c.stdout, help) }
	return fs
}

// parse parses args with fs, flags before or after the arguments (up to a
// "--", after which all are arguments), and
// returns the arguments; ok false means it has answered (help or a usage
// error) and code is the exit status.
func (c *cli) parse(fs *flag.FlagSet, args []string) (rest []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) { // fs.Parse has printed the help
				return nil, exitOK, false
			}
			return nil, c.usageError("vitals "+fs.Name(), err.Error(), "run vitals "+fs.Name()+" -h for its flags"), false
		}
		if fs.NArg() == 0 {
			return rest, exitOK, true
		}
		if n := len(args) - fs.NArg(); n > 0 && args[n-1] == "--" {
			return append(rest, fs.Args()...), exitOK, true // all arguments, even those that look like flags
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// timeoutFlag adds --timeout to fs, defaulting to VITALS_TIMEOUT; ok false
// means VITALS_TIMEOUT is not a positive duration and the usage error has
// been reported.
func (c *cli) timeoutFlag(fs *flag.FlagSet) (t *time.Duration, code int, ok bool) {
	d := defaultTimeout
	if v := c.getenv("VITALS_TIMEOUT"); v != "" {
		parsed, err := time.ParseDuration(v)
		if err != nil || parsed <= 0 {
			return nil, c.usageError("vitals "+fs.Name(), fmt.Sprintf("VITALS_TIMEOUT=%q is not a positive duration", v),
				"set it to a Go duration such as 5s or 1m30s, or unset it for the default 10s"), false
		}
		d = parsed
	}
	t = new(time.Duration)
	fs.DurationVar(t, "timeout", d, "how long the request may take (env VITALS_TIMEOUT)")
	return t, exitOK, true
}
