package retry

import (
	"context"
	"fmt"
	"log/slog"
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
		slog.Any("error", err),
		slog.String("remedy", remedy),
	)
}

// exhausted builds the error for running out of attempts or, when remedy
// says why, out of time for the next one.
func (p *Policy) exhausted(err error, class errctx.Class, n int, waited time.Duration, remedy string) error {
	p.stats().Count(p.counters().exhausted, 1)
	if remedy == "" {
		remedy = fmt.Sprintf("it failed %d times in a row; fix the cause above, or raise Policy.Attempts if failures this long are expected", n)
	}
	return p.gaveUp(err, class, n, waited, remedy)
}

// stopped builds the error for a retried operation whose last failure must
// not be repeated.
func (p *Policy) stopped(err error, class errctx.Class, n int, waited time.Duration) error {
	remedy := fmt.Sprintf("attempt %d failed with a %s error, which is never retried; fix the cause above", n, class)
	if class == errctx.Indeterminate {
		remedy = fmt.Sprintf("attempt %d may or may not have taken effect and the operation is not idempotent, so it was not repeated; check its outcome before trying again, or set Policy.IdempotencyKey", n)
	}
	return p.gaveUp(err, class, n, waited, remedy)
}

// gaveUp wraps the last failure, keeping the class Do acted on.
func (p *Policy) gaveUp(err error, class errctx.Class, n int, waited time.Duration, remedy string) error {
	return errctx.Wrap(err,
		fmt.Sprintf("%s (gave up after %s)", p.label(), plural(n)),
		errctx.WithClass(class),
		errctx.Fields("retry", p.Name, "attempts", n, "waited", waited),
		errctx.Remedy(remedy),
	)
}

// canceled wraps the error of ctx, which ended after n attempts.
func (p *Policy) canceled(ctx context.Context, last error, n int, waited time.Duration) error {
	return errctx.Wrap(ctx.Err(),
		fmt.Sprintf("%s (canceled after %s)", p.label(), plural(n)),
		errctx.Fields("retry", p.Name, "attempts", n, "waited", waited, "last_error", last.Error()),
		errctx.Remedy("the caller's context ended before the operation succeeded; give it more time if it should have waited"),
	)
}

// plural renders n attempts in English.
func plural(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}
