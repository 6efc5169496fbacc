package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/stats"
)

// config is what the flags say.
type config struct {
	serve    bool
	listen   string
	statsd   string
	level    slog.Level
	duration time.Duration
}

// parseFlags reads the command line. Defaults come from the environment
// where vitals reads them: STATSD_ADDR and VITALS_LOG_LEVEL.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	level := os.Getenv(vlog.LevelEnv)
	if level == "" {
		level = "info"
	}
	statsdAddr := os.Getenv(stats.AddrEnv)
	if statsdAddr == "" {
		statsdAddr = stats.DefaultAddr
	}
	fs := flag.NewFlagSet("grpc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&c.serve, "serve", false, "serve until interrupted instead of driving traffic for -duration")
	fs.StringVar(&c.listen, "listen", "", "HTTP front address (default 127.0.0.1:8080 with -serve, a free loopback port otherwise)")
	fs.StringVar(&c.statsd, "statsd", statsdAddr, "statsd address (UDP); nothing needs to listen")
	fs.StringVar(&level, "log-level", level, "minimum log level: debug, info, warn or error")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to drive traffic; also the period of the back end's outage schedule")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q; see -h", fs.Args())
	}
	if err := c.level.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil {
		return c, fmt.Errorf("-log-level: %w", err)
	}
	if c.duration < time.Second {
		return c, fmt.Errorf("-duration %s is too short for the story; give it at least 1s", c.duration)
	}
	if c.listen == "" {
		c.listen = "127.0.0.1:0"
		if c.serve {
			c.listen = "127.0.0.1:8080"
		}
	}
	return c, nil
}
