package alert

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/stats"
)

// Defaults of a zero Config.
const (
	DefaultQueueSize      = 256
	DefaultTimeout        = 10 * time.Second
	DefaultWindow         = time.Hour
	DefaultRateLimit      = 1.0 // events per second per sink
	DefaultBurst          = 20
	DefaultMaxFingerprint = 10000
)

// MaxQueueSize is the largest Config.QueueSize: each sink's queue is
// allocated whole at New, and 65536 events take some 20 MB per sink.
const MaxQueueSize = 1 << 16

// Config configures a Notifier. Its zero value logs alerts to slog.Default()
// and delivers them nowhere else.
type Config struct {
	// Sinks receive the alerts the throttle lets through, each behind its
	// own queue, goroutine, timeout and breaker. Names must be distinct
	// as stats write them (alert.<name>.*: lower case, '.' and other
	// characters as '_'), so "Pager" beside "pager" is refused.
	Sinks []Sink
	// Logger receives one record per delivered alert, digest and
	// resolution; nil means slog.Default().
	Logger *slog.Logger
	// Emitter receives the alert.* stats; nil means stats.Default().
	Emitter stats.Emitter
	// QueueSize bounds each sink's queue (DefaultQueueSize when zero;
	// MaxQueueSize at most, since the queue is allocated whole, an event's
	// worth of memory per slot). An event that finds the queue full is
	// dropped and counted.
	QueueSize int
	// Timeout bounds one Send (DefaultTimeout when zero).
	Timeout time.Duration
	// Breaker is the template of each sink's breaker; its Name is replaced
	// by "alert.<sink>" (so its stats are breaker.alert_<sink>.*), and its
	// Logger, Stats and Clock default to the Notifier's.
	Breaker breaker.Config
	// Window is the throttle window of a fingerprint (DefaultWindow when
	// zero): within it the 1st, 10th, 100th... occurrences are delivered,
	// and at its end one digest counts the rest.
	Window time.Duration
	// RateLimit is the most events per second one sink is given, the last
	// line behind the throttle (DefaultRateLimit when zero; negative means
	// no limit). Burst is how many may go at once (DefaultBurst when zero).
	RateLimit float64
	Burst     int
	// MaxFingerprints bounds the fingerprints tracked at once
	// (DefaultMaxFingerprint when zero); occurrences of new fingerprints
	// beyond it are suppressed and counted, so volatile fingerprints cannot
	// grow memory or flood a sink.
	MaxFingerprints int
	// Clock is the time source, for tests; nil means the wall clock.
	Clock breaker.Clock
}

// wallClock is the Clock of the real world.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// normalize checks c and fills its defaults.
func (c Config) normalize() (Config, error) {
	rules := []rule{
		notNegative("QueueSize", c.QueueSize),
		{c.QueueSize > MaxQueueSize, "QueueSize", "is larger than MaxQueueSize (" + strconv.Itoa(MaxQueueSize) + ")",
			"set at most MaxQueueSize; a queue that long already holds minutes of alerts at the sink's rate limit"},
		notNegative("Timeout", c.Timeout),
		notNegative("Window", c.Window),
		notNegative("Burst", c.Burst),
		notNegative("MaxFingerprints", c.MaxFingerprints),
		{c.RateLimit != c.RateLimit, "RateLimit", "is NaN", "set events per second, or a negative value for no limit"},
	}
	// Names are compared as their stats write them (alert.<name>.*), so
	// that "Pager" and "pager" cannot add two sinks' outcomes into one
	// counter.
	seen := make(map[string]string, len(c.Sinks))
	for i, s := range c.Sinks {
		field := "Sinks[" + strconv.Itoa(i) + "]"
		name := ""
		if s != nil {
			name = sinkName(s)
		}
		key := stats.Name(name)
		first, taken := seen[key]
		rules = append(rules,
			rule{s == nil, field, "is nil", "remove it or give a Sink"},
			rule{name == "", field, "has an empty or panicking Name", "give each sink a stable, non-empty name"},
			rule{taken, field, "is named " + strconv.Quote(name) + ", whose stats alert." + key + ".* are those of the sink named " + strconv.Quote(first),
				"give each sink a distinct name in lower case letters, digits and '_'"})
		if !taken {
			seen[key] = name
		}
	}
	if err := checkConfig("Config", rules...); err != nil {
		return Config{}, err
	}
	c.QueueSize = or(c.QueueSize, DefaultQueueSize)
	c.Timeout = or(c.Timeout, DefaultTimeout)
	c.Window = or(c.Window, DefaultWindow)
	c.RateLimit = or(c.RateLimit, DefaultRateLimit)
	c.Burst = or(c.Burst, DefaultBurst)
	c.MaxFingerprints = or(c.MaxFingerprints, DefaultMaxFingerprint)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Emitter == nil {
		c.Emitter = stats.Default()
	}
	if c.Clock == nil {
		c.Clock = wallClock{}
	}
	return c, nil
}

// sinkName calls s.Name, which is user code, and returns "" if it panics.
func sinkName(s Sink) (name string) {
	defer func() {
		if recover() != nil {
			name = ""
		}
	}()
	return s.Name()
}

// or returns v, or def when v is the zero value.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
