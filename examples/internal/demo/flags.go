package demo

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

// FlagSet is an example's command line, with the -log-level flag every
// example has: default $VITALS_LOG_LEVEL, else info. Its usage goes to the
// stderr given to NewFlagSet, and Parse returns errors instead of exiting.
type FlagSet struct {
	*flag.FlagSet
	levelName string
	level     slog.Level
}

// NewFlagSet returns the command line of the example name.
func NewFlagSet(name string, stderr io.Writer) *FlagSet {
	fs := &FlagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), levelName: os.Getenv(vlog.LevelEnv)}
	if fs.levelName == "" {
		fs.levelName = "info"
	}
	fs.SetOutput(stderr)
	fs.StringVar(&fs.levelName, "log-level", fs.levelName, "minimum log level: debug, info, warn or error")
	return fs
}

// Parse reads args, refusing positional arguments and a log level that is
// not one.
func (fs *FlagSet) Parse(args []string) error {
	if err := fs.FlagSet.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see -h", fs.Args())
	}
	if err := fs.level.UnmarshalText([]byte(strings.TrimSpace(fs.levelName))); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	return nil
}

// Level is the -log-level, once Parse has succeeded.
func (fs *FlagSet) Level() slog.Level { return fs.level }

// Story is what the command line of a self-driving example says about it.
type Story struct {
	Name     string        // the command's name, e.g. "service"
	Serves   string        // what -listen serves, e.g. "orders"
	Alerts   bool          // the example takes -alertmanager URL
	Duration time.Duration // the default -duration
	Period   string        // what -duration is also the period of, e.g. "the payments service's misbehaviour"
	Metrics  bool          // the example takes -metrics statsd|otel
}

// Config is the command line of a self-driving example.
type Config struct {
	// Alertmanager is the URL of the Alertmanager to send alerts to, with
	// Story.Alerts; empty means alerts go to the log only.
	Alertmanager string

	Serve    bool          // serve until interrupted instead of driving traffic
	Listen   string        // where to serve: 127.0.0.1:8080 with -serve, a free loopback port otherwise, unless -listen says
	Statsd   string        // the statsd address (UDP)
	Level    slog.Level    // the minimum log level
	Duration time.Duration // how long to drive traffic; also the period of the story's schedule (at least 1 s)
	Metrics  string        // with Story.Metrics: "statsd" (the default) or "otel"
}

// ParseConfig reads the command line of the example s tells: -serve,
// -listen, -statsd, -duration and -log-level, and -metrics when s.Metrics.
// Defaults come from the environment where vitals reads them: STATSD_ADDR
// and VITALS_LOG_LEVEL.
func ParseConfig(args []string, stderr io.Writer, s Story) (Config, error) {
	var c Config
	statsdAddr := os.Getenv(stats.AddrEnv)
	if statsdAddr == "" {
		statsdAddr = stats.DefaultAddr
	}
	fs := NewFlagSet(s.Name, stderr)
	if s.Alerts {
		fs.StringVar(&c.Alertmanager, "alertmanager", "", "Alertmanager URL to send alerts to, e.g. http://127.0.0.1:9093 (alerts always go to the log)")
	}
	fs.BoolVar(&c.Serve, "serve", false, "serve until interrupted instead of driving traffic for -duration")
	fs.StringVar(&c.Listen, "listen", "", s.Serves+" address (default 127.0.0.1:8080 with -serve, a free loopback port otherwise)")
	fs.StringVar(&c.Statsd, "statsd", statsdAddr, "statsd address (UDP); nothing needs to listen")
	fs.DurationVar(&c.Duration, "duration", s.Duration, "how long to drive traffic; also the period of "+s.Period)
	if s.Metrics {
		fs.StringVar(&c.Metrics, "metrics", "statsd", "where stats go: statsd, or otel (OpenTelemetry, served to Prometheus at /metrics of "+s.Serves+")")
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.Level = fs.Level()
	if s.Metrics && c.Metrics != "statsd" && c.Metrics != "otel" {
		return c, fmt.Errorf("-metrics %q is not one; give statsd or otel", c.Metrics)
	}
	if c.Duration < time.Second {
		return c, fmt.Errorf("-duration %s is too short for the story; give it at least 1s", c.Duration)
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
		if c.Serve {
			c.Listen = "127.0.0.1:8080"
		}
	}
	return c, nil
}
