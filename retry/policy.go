package retry

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/panics"
	"github.com/vitals-go/vitals/stats"
)

// The defaults a zero [Policy] stands for.
const (
	DefaultAttempts = 3
	DefaultBase     = 100 * time.Millisecond
	DefaultCap      = 10 * time.Second
)

// Policy says which failures to retry, how often and how patiently. Its zero
// value makes [DefaultAttempts] attempts with exponential backoff from
// [DefaultBase], full jitter, each wait capped at [DefaultCap], and treats the
// operation as not idempotent.
//
// A Policy is a plain value: declare one per dependency, copy it to vary a
// field for one call (for example IdempotencyKey), and share it freely
// between goroutines.
type Policy struct {
	// Name identifies the operation in logs and stats: retries are counted as
	// retry.<Name>.retries, outcomes as .succeeded_after_retry, .exhausted,
	// .stopped and .canceled (see the package documentation). Empty means
	// "unnamed".
	Name string

	// Attempts is the most times the operation runs, the first included.
	// 0 means DefaultAttempts; 1 means never retry; negative is invalid.
	Attempts int

	// Base is the backoff before the first retry; each later retry doubles
	// it. The actual wait is drawn uniformly from [0, backoff] (full jitter).
	// 0 means DefaultBase, or Cap if Cap is smaller; negative is invalid.
	// Any Base up to the largest duration works, waits never overflow.
	Base time.Duration

	// Cap bounds every wait, including one asked for by a Retry-After.
	// 0 means DefaultCap; negative is invalid, and so is a Cap (or
	// DefaultCap, when Cap is 0) below an explicit Base: a Base would
	// otherwise be cut silently. The largest duration (math.MaxInt64) means
	// no cap at all.
	Cap time.Duration

	// Budget bounds the time from the start of Do to the start of the last
	// attempt: a retry whose wait would end past it is not made. An attempt
	// already running is not interrupted; bound that with a context
	// deadline. 0 means no budget; negative is invalid.
	Budget time.Duration

	// Idempotent says that repeating the operation is harmless even when an
	// earlier attempt may have taken effect, so failures of class
	// [errctx.Indeterminate] (timeouts, lost replies) are retried too.
	Idempotent bool

	// IdempotencyKey, when set, makes the operation idempotent the way most
	// payment and storage APIs do it: the callee deduplicates requests that
	// carry the same key. Do passes the key to fn through its context (read
	// it with [IdempotencyKey]) and retries Indeterminate failures as if
	// Idempotent were set. Use one key per logical operation, such as the
	// charge ID.
	IdempotencyKey string

	// Classify returns the class of a failure. Nil means [errctx.ClassOf].
	// Only [errctx.Transient], and [errctx.Indeterminate] for an idempotent
	// operation, are retried. If Classify panics, the failure counts as
	// [errctx.Unknown] (not retried), the panic is logged as an error and
	// counted as retry.<Name>.classifier_panics, and Do goes on.
	Classify func(error) errctx.Class

	// Logger receives a warning for each retry. Nil means slog.Default().
	Logger *slog.Logger

	// Stats receives the retry counters. Nil means stats.Default().
	Stats stats.Emitter
}

// Validate reports whether p is usable, as an [errctx] error naming the
// offending field. Do and DoValue validate their policy themselves; call
// Validate to refuse a bad configuration at start-up instead.
func (p *Policy) Validate() error {
	if p.valid() {
		return nil
	}
	return p.invalid()
}

// valid is the check behind Validate: a handful of comparisons, cheap
// enough for every call of Do.
func (p *Policy) valid() bool {
	return p.Attempts >= 0 && p.Base >= 0 && p.Cap >= 0 && p.Budget >= 0 &&
		p.Base <= p.cap()
}

// invalid explains what valid refused.
func (p *Policy) invalid() error {
	field, value, remedy := "", "", ""
	switch {
	case p.Attempts < 0:
		field, value = "Attempts", fmt.Sprint(p.Attempts)
		remedy = "set Attempts to 1 or more, or 0 for the default of 3"
	case p.Base < 0:
		field, value = "Base", p.Base.String()
		remedy = "set Base to a positive duration, or 0 for the default of 100ms"
	case p.Cap < 0:
		field, value = "Cap", p.Cap.String()
		remedy = "set Cap to a positive duration, or 0 for the default of 10s"
	case p.Budget < 0:
		field, value = "Budget", p.Budget.String()
		remedy = "set Budget to a positive duration, or 0 for no budget"
	case p.Cap == 0:
		field, value = "Base", p.Base.String()
		remedy = fmt.Sprintf("set Base to at most the default Cap of %s, or set Cap to at least Base", DefaultCap)
	default:
		field, value = "Base", p.Base.String()
		remedy = fmt.Sprintf("set Base to at most Cap (%s), or raise Cap", p.Cap)
	}
	return errctx.New(
		fmt.Sprintf("checking retry policy %q: field %s is %s", p.Name, field, value),
		errctx.WithClass(errctx.Permanent),
		errctx.Fields("retry", p.Name, "field", field, "value", value),
		errctx.Remedy(remedy),
	)
}

// cap returns the longest wait p allows.
func (p *Policy) cap() time.Duration {
	if p.Cap == 0 {
		return DefaultCap
	}
	return p.Cap
}

// attempts returns the number of attempts p allows.
func (p *Policy) attempts() int {
	if p.Attempts == 0 {
		return DefaultAttempts
	}
	return p.Attempts
}

// idempotent reports whether an Indeterminate failure may be repeated.
func (p *Policy) idempotent() bool {
	return p.Idempotent || p.IdempotencyKey != ""
}

// classify returns the class of err under p. A Classify that panics is
// reported with ctx and counted, and the failure is Unknown: never retried,
// since nothing says that repeating it is safe.
func (p *Policy) classify(ctx context.Context, err error) (class errctx.Class) {
	if p.Classify == nil {
		return errctx.ClassOf(err)
	}
	defer func() {
		if v := recover(); v != nil {
			class = errctx.Unknown
			p.stats().Count(p.counters().classifierPanics, 1)
			p.logger().LogAttrs(ctx, slog.LevelError, "retry classifier panicked", panics.AppendAttrs(
				[]slog.Attr{slog.String("retry", p.Name)}, "run Policy.Classify", v, panics.Stack(16),
				"fix Policy.Classify (it must handle every error fn returns); the failure was treated as unknown and not retried")...)
		}
	}()
	return p.Classify(err)
}

// logger returns the logger for retry warnings.
func (p *Policy) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// stats returns the emitter for retry counters.
func (p *Policy) stats() stats.Emitter {
	if p.Stats != nil {
		return p.Stats
	}
	return stats.Default()
}

// label names the operation in the errors that Do builds.
func (p *Policy) label() string {
	if p.Name == "" {
		return "retrying"
	}
	return "retrying " + p.Name
}
