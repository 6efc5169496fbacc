package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vitals-go/vitals/examples/internal/demo"
)

// config is what the flags say.
type config struct {
	dir      string
	latch    string
	reset    bool
	interval time.Duration
	ticks    int
	level    slog.Level
}

// defaultDir is the poller's directory unless -dir says otherwise: a fixed
// place, so that running the example twice meets the latch of the first run.
func defaultDir() string { return filepath.Join(os.TempDir(), "vitals-mailer") }

// parseFlags reads the command line; -log-level comes with demo.NewFlagSet.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := demo.NewFlagSet("mailer", stderr)
	fs.StringVar(&c.dir, "dir", defaultDir(), "the mail directory: inbox/, done/, outbox/; seeded with sample mail when it has no inbox")
	fs.StringVar(&c.latch, "latch", "", "the latch state file (default <dir>/mailer.latch); keep it on storage that survives restarts")
	fs.BoolVar(&c.reset, "reset", false, "clear the latch left by an earlier unexpected failure, then poll")
	fs.DurationVar(&c.interval, "interval", 2*time.Second, "time between two polls of the inbox")
	fs.IntVar(&c.ticks, "ticks", 3, "polls to make before exiting; 0 polls until interrupted")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.level = fs.Level()
	if c.interval <= 0 {
		return c, fmt.Errorf("-interval %s: want a positive duration", c.interval)
	}
	if c.ticks < 0 {
		return c, fmt.Errorf("-ticks %d: want 0 (until interrupted) or more", c.ticks)
	}
	if c.latch == "" {
		c.latch = filepath.Join(c.dir, "mailer.latch")
	}
	return c, nil
}
