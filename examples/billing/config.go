package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/vitals-go/vitals/examples/internal/demo"
)

// config is what the flags say.
type config struct {
	period  string
	only    string
	keys    bool
	timeout time.Duration
	level   slog.Level
}

// parseFlags reads the command line; -log-level comes with demo.NewFlagSet.
func parseFlags(args []string, stderr io.Writer, now time.Time) (config, error) {
	var c config
	fs := demo.NewFlagSet("billing", stderr)
	fs.StringVar(&c.period, "period", now.Format("2006-01"), "the billing period, YYYY-MM")
	fs.StringVar(&c.only, "only", "", "bill only these customers (comma-separated IDs), e.g. to re-run failed charges")
	fs.BoolVar(&c.keys, "idempotency-keys", true, "send an idempotency key with each charge (accounts on the legacy contract never get one); false shows what happens without")
	fs.DurationVar(&c.timeout, "timeout", time.Second, "how long one charge request may take")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.level = fs.Level()
	if _, err := time.Parse("2006-01", c.period); err != nil {
		return c, fmt.Errorf("-period %q: want YYYY-MM", c.period)
	}
	if c.timeout <= 0 {
		return c, fmt.Errorf("-timeout %s: want a positive duration", c.timeout)
	}
	return c, nil
}
