package breaker

import (
	"fmt"
	"log/slog"
	"math"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/stats"
)

// Defaults applied to zero fields of [Config].
const (
	DefaultName                = "default"
	DefaultConsecutiveFailures = 5
	DefaultOpenDuration        = 30 * time.Second
	DefaultProbeLimit          = 1
	DefaultSuccessesToClose    = 1
	DefaultWindowSize          = 100
	DefaultWindowBuckets       = 10
	DefaultMinCalls            = 10
)

// Limits on [Config] values.
const (
	// MaxWindowSize bounds Config.WindowSize (one 4-byte slot per call).
	MaxWindowSize = 1 << 20
	// MaxWindowBuckets bounds Config.WindowBuckets.
	MaxWindowBuckets = 1000
)

// Config configures a [Breaker]. Its zero value is a breaker named "default"
// that opens after 5 consecutive failures, stays open 30 s, then lets one
// probe through and closes on its success.
//
// The trip policies combine: the breaker opens when any enabled policy says
// so.
type Config struct {
	// Name identifies the breaker in logs, stats (breaker.<name>.*), spans,
	// errors ("calling <name>") and the Registry. Default "default".
	Name string

	// Critical marks a breaker whose opening makes the Registry's status
	// handler answer 503.
	Critical bool

	// ConsecutiveFailures trips the breaker after that many failures in a
	// row. Zero means 5; a negative value turns the policy off.
	ConsecutiveFailures int

	// FailureRate, in (0, 1], trips the breaker when the share of failures
	// among the calls in the window reaches it, once the window holds at
	// least MinCalls calls. The rates are checked when a failure or a slow
	// call is recorded (a success cannot raise them), which keeps successes
	// cheap. Zero turns the policy off.
	FailureRate float64

	// SlowCallRate, in (0, 1], trips the breaker when the share of calls
	// that took at least SlowCallDuration reaches it (same window and
	// MinCalls as FailureRate). A slow call is counted whether it succeeded
	// or failed. Zero turns the policy off; SlowCallDuration is then unused.
	SlowCallRate     float64
	SlowCallDuration time.Duration

	// WindowSize is the number of most recent calls the rate policies look
	// at (a count-based window). Zero means 100, unless WindowDuration is
	// set.
	WindowSize int

	// WindowDuration, when set, makes the rate policies look at the calls of
	// the last WindowDuration instead (a time-based window), kept in
	// WindowBuckets buckets (default 10) that expire one at a time.
	WindowDuration time.Duration
	WindowBuckets  int

	// MinCalls is the number of calls the window must hold before a rate
	// policy may trip. Zero means 10.
	MinCalls int

	// OpenDuration is how long the breaker stays open before it lets probes
	// through. Zero means 30 s. An open period (grown and jittered as below)
	// is never shorter than 1 ms, and one longer than about 146 years (2^62
	// nanoseconds, so that the time it ends can always be computed) is cut
	// to that.
	OpenDuration time.Duration

	// OpenGrowth multiplies the open period for each consecutive trip (a
	// probe that fails re-opens for OpenDuration*OpenGrowth, then
	// *OpenGrowth², ...), up to MaxOpenDuration. Zero or 1 keeps it
	// constant.
	OpenGrowth float64

	// MaxOpenDuration caps the grown open period. Zero means
	// 10*OpenDuration when OpenGrowth is above 1.
	MaxOpenDuration time.Duration

	// Jitter, in [0, 1), spreads each open period uniformly over
	// ±Jitter of its length so that many processes do not probe a
	// recovering dependency at the same instant.
	Jitter float64

	// ProbeLimit is the number of concurrent probe calls let through while
	// half-open; calls beyond it are rejected at once. Zero means 1.
	ProbeLimit int

	// SuccessesToClose is the number of successful probes that close the
	// breaker; any failed probe opens it again. Zero means 1.
	SuccessesToClose int

	// Timeout, when set, gives every call made through Do or Run a context
	// deadline; a call that runs out of it is a failure and a slow call.
	// Zero adds no deadline and costs nothing.
	Timeout time.Duration

	// Classify, when set, replaces the default [Classify] for calls made
	// through Do, Run and Ticket.Done. It sees the error exactly as the
	// call returned it (nil included).
	Classify func(err error) Outcome

	// TimeCalls records the duration of every call as the timing
	// breaker.<name>.duration. It costs two clock reads per call (tens of
	// nanoseconds on a VM), which is why it is off by default: most services
	// already time their outbound calls in HTTP or gRPC middleware.
	TimeCalls bool

	// Logger receives one record per transition. Default slog.Default(),
	// looked up at each transition.
	Logger *slog.Logger

	// Stats receives the breaker's gauges, counters and timings. Default
	// stats.Default() as it is when New is called.
	Stats stats.Emitter

	// TracerProvider makes the transition spans. Default
	// otel.GetTracerProvider().
	TracerProvider trace.TracerProvider

	// Clock replaces the wall clock and its timers, for deterministic tests.
	Clock Clock
}

// fieldError refuses a Config field with an errctx error that names it.
func fieldError(name, field string, value any, problem, remedy string) error {
	return errctx.Wrap(
		fmt.Errorf("Config.%s = %v: %s", field, value, problem),
		"configuring breaker "+name,
		errctx.WithClass(errctx.Permanent),
		errctx.Fields("field", field),
		errctx.Remedy(remedy),
	)
}

// normalize fills the defaults and checks every field.
func (c Config) normalize() (Config, error) {
	if c.Name == "" {
		c.Name = DefaultName
	}
	n := c.Name
	if c.ConsecutiveFailures == 0 {
		c.ConsecutiveFailures = DefaultConsecutiveFailures
	}
	rate := func(field string, v float64) error {
		if math.IsNaN(v) || v < 0 || v > 1 {
			return fieldError(n, field, v, "must be in (0, 1], or 0 to turn the policy off", "use a share such as 0.5 for 50%")
		}
		return nil
	}
	if err := rate("FailureRate", c.FailureRate); err != nil {
		return c, err
	}
	if err := rate("SlowCallRate", c.SlowCallRate); err != nil {
		return c, err
	}
	if c.SlowCallRate > 0 && c.SlowCallDuration <= 0 {
		return c, fieldError(n, "SlowCallDuration", c.SlowCallDuration, "must be positive when SlowCallRate is set", "set the duration from which a call counts as slow, e.g. 2*time.Second")
	}
	if c.SlowCallDuration < 0 {
		return c, fieldError(n, "SlowCallDuration", c.SlowCallDuration, "must not be negative", "leave it zero or set a positive duration")
	}
	if c.WindowSize < 0 || c.WindowSize > MaxWindowSize {
		return c, fieldError(n, "WindowSize", c.WindowSize, fmt.Sprintf("must be in [1, %d]", MaxWindowSize), "leave it zero for 100 calls")
	}
	if c.WindowDuration < 0 {
		return c, fieldError(n, "WindowDuration", c.WindowDuration, "must not be negative", "leave it zero for a count-based window")
	}
	if c.WindowDuration > 0 && c.WindowSize > 0 {
		return c, fieldError(n, "WindowSize", c.WindowSize, "conflicts with WindowDuration", "set WindowSize for a count-based window or WindowDuration for a time-based one, not both")
	}
	if c.WindowBuckets < 0 || c.WindowBuckets > MaxWindowBuckets {
		return c, fieldError(n, "WindowBuckets", c.WindowBuckets, fmt.Sprintf("must be in [1, %d]", MaxWindowBuckets), "leave it zero for 10 buckets")
	}
	if c.WindowBuckets == 0 {
		c.WindowBuckets = DefaultWindowBuckets
	}
	if c.WindowDuration > 0 && c.WindowDuration/time.Duration(c.WindowBuckets) < time.Millisecond {
		return c, fieldError(n, "WindowDuration", c.WindowDuration, "gives buckets shorter than 1ms", "use a longer window or fewer WindowBuckets")
	}
	if c.WindowDuration == 0 && c.WindowSize == 0 {
		c.WindowSize = DefaultWindowSize
	}
	if c.MinCalls < 0 {
		return c, fieldError(n, "MinCalls", c.MinCalls, "must not be negative", "leave it zero for 10 calls")
	}
	if c.MinCalls == 0 {
		c.MinCalls = DefaultMinCalls
	}
	if c.OpenDuration < 0 {
		return c, fieldError(n, "OpenDuration", c.OpenDuration, "must not be negative", "leave it zero for 30s")
	}
	if c.OpenDuration == 0 {
		c.OpenDuration = DefaultOpenDuration
	}
	if math.IsNaN(c.OpenGrowth) || math.IsInf(c.OpenGrowth, 0) || c.OpenGrowth < 0 {
		return c, fieldError(n, "OpenGrowth", c.OpenGrowth, "must be a finite factor >= 1, or 0", "use e.g. 2 to double the open period on each consecutive trip")
	}
	if c.OpenGrowth > 0 && c.OpenGrowth < 1 {
		return c, fieldError(n, "OpenGrowth", c.OpenGrowth, "would shrink the open period", "use a factor >= 1, or 0 for a constant period")
	}
	if c.MaxOpenDuration < 0 {
		return c, fieldError(n, "MaxOpenDuration", c.MaxOpenDuration, "must not be negative", "leave it zero for 10*OpenDuration")
	}
	if c.MaxOpenDuration == 0 {
		c.MaxOpenDuration = c.OpenDuration
		if c.OpenGrowth > 1 {
			c.MaxOpenDuration = 10 * c.OpenDuration
		}
	}
	if c.MaxOpenDuration < c.OpenDuration {
		return c, fieldError(n, "MaxOpenDuration", c.MaxOpenDuration, "is shorter than OpenDuration", "raise it to at least OpenDuration")
	}
	if math.IsNaN(c.Jitter) || c.Jitter < 0 || c.Jitter >= 1 {
		return c, fieldError(n, "Jitter", c.Jitter, "must be in [0, 1)", "use e.g. 0.1 for ±10%")
	}
	if c.ProbeLimit < 0 {
		return c, fieldError(n, "ProbeLimit", c.ProbeLimit, "must not be negative", "leave it zero for 1 probe")
	}
	if c.ProbeLimit == 0 {
		c.ProbeLimit = DefaultProbeLimit
	}
	if c.ProbeLimit > math.MaxInt32/2 {
		return c, fieldError(n, "ProbeLimit", c.ProbeLimit, "is too large", "use a small number of concurrent probes")
	}
	if c.SuccessesToClose < 0 || c.SuccessesToClose > math.MaxInt32/2 {
		return c, fieldError(n, "SuccessesToClose", c.SuccessesToClose, "is out of range", "leave it zero for 1 success")
	}
	if c.SuccessesToClose == 0 {
		c.SuccessesToClose = DefaultSuccessesToClose
	}
	if c.Timeout < 0 {
		return c, fieldError(n, "Timeout", c.Timeout, "must not be negative", "leave it zero for no per-call deadline")
	}
	return c, nil
}

// rates reports whether a rate policy is on, i.e. whether calls go into a
// window.
func (c *Config) rates() bool { return c.FailureRate > 0 || c.SlowCallRate > 0 }
