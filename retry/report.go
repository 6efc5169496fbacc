package retry

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// warn logs one retry and counts it.
func (p *Policy) warn(ctx context.Context, err error, class errctx.Class, n, attempts int, wait time.Duration) {
	p.stats().Count(p.counters().retries, 1)
	logger := p.logger()
	if !logger.Enabled(ctx, slog.LevelWarn) {
		return
	}
	attempted := p.label()
	if steps := errctx.AttemptedOf(err); len(steps) > 0 {
		attempted = steps[0]
	}
	remedy := strings.Join(errctx.RemediesOf(err), "; ")
	if remedy == "" {
		remedy = "none needed if a later attempt succeeds; if this repeats, look at the failing dependency"
	}
	logger.LogAttrs(ctx, slog.LevelWarn, "retrying after a failure",
		slog.String("retry", p.Name),
		slog.String("attempted", attempted),
		slog.Int("attempt", n),
		slog.Int("attempts", attempts),
		slog.Duration("wait", wait),
		slog.String("class", class.String()),
		slog.Attr{Key: "error", Value: errctx.LogValueOf(err)},
		slog.String("remedy", remedy),
	)
}

// run is what the attempts of one Do ended as, and how long it waited.
type run struct {
	classes []errctx.Class // one per attempt made
	waited  time.Duration
}

// class is the class of the run: Indeterminate when any attempt may have
// taken effect, since a later attempt's failure does not undo it; else
// the class of the last attempt.
func (r *run) class() errctx.Class {
	if slices.Contains(r.classes, errctx.Indeterminate) {
		return errctx.Indeterminate
	}
	return r.classes[len(r.classes)-1]
}

// uncertain names the attempts that may have taken effect, for a remedy;
// "" when there are none.
func (r *run) uncertain() string {
	var which []string
	for i, c := range r.classes {
		if c == errctx.Indeterminate {
			which = append(which, strconv.Itoa(i+1))
		}
	}
	switch len(which) {
	case 0:
		return ""
	case 1:
		return "attempt " + which[0] + " may have taken effect: check its outcome before trying again; "
	}
	return "attempts " + strings.Join(which, ", ") + " may have taken effect: check their outcome before trying again; "
}

// fields records the run on Do's error.
func (r *run) fields(name string, more ...any) errctx.Option {
	classes := make([]string, len(r.classes))
	for i, c := range r.classes {
		classes[i] = c.String()
	}
	return errctx.Fields(append([]any{"retry", name, "attempts", len(r.classes),
		"attempt_classes", classes, "waited", r.waited}, more...)...)
}

// exhaustedError builds the error for running out of attempts or, when
// remedy says why, out of time for the next one.
func (p *Policy) exhaustedError(err error, r *run, remedy string) error {
	if remedy == "" {
		remedy = fmt.Sprintf("it failed %d times in a row; fix the cause above, or raise Policy.Attempts if failures this long are expected", len(r.classes))
	}
	return p.gaveUp(err, r, r.uncertain()+remedy)
}

// stoppedError builds the error for a retried operation whose last failure
// must not be repeated.
func (p *Policy) stoppedError(err error, r *run) error {
	n, class := len(r.classes), r.classes[len(r.classes)-1]
	if class == errctx.Indeterminate {
		return p.gaveUp(err, r, fmt.Sprintf("attempt %d may or may not have taken effect and the operation is not idempotent, so it was not repeated; check its outcome before trying again, or set Policy.IdempotencyKey", n))
	}
	return p.gaveUp(err, r, r.uncertain()+fmt.Sprintf("attempt %d failed with a %s error, which is never retried; fix the cause above", n, class))
}

// gaveUp wraps the last failure with the class of the whole run.
func (p *Policy) gaveUp(err error, r *run, remedy string) error {
	return errctx.Wrap(err,
		fmt.Sprintf("%s (gave up after %s)", p.label(), plural(len(r.classes))),
		errctx.WithClass(r.class()),
		r.fields(p.Name),
		errctx.Remedy(remedy),
	)
}

// canceledError wraps the error of ctx, which ended after the attempts of r,
// whether during a wait or during an attempt, or before any (last is then
// nil); its class is the context's (a cancellation is not a failure, a
// deadline is a timeout).
func (p *Policy) canceledError(ctx context.Context, last error, r *run) error {
	how, when := "canceled", "after "+plural(len(r.classes))
	if ctx.Err() == context.DeadlineExceeded {
		how = "deadline passed"
	}
	var more []any
	if last != nil {
		more = []any{"last_error", last.Error()}
	} else {
		when = "before the first attempt"
	}
	return errctx.Wrap(ctx.Err(),
		fmt.Sprintf("%s (%s %s)", p.label(), how, when),
		r.fields(p.Name, more...),
		errctx.Remedy(r.uncertain()+"the caller's context ended before the operation succeeded; give it more time if it should have waited"),
	)
}

// plural renders n attempts in English.
func plural(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}
