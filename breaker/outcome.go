package breaker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/vitals-go/vitals/errctx"
)

// Outcome is how the breaker counts one call.
type Outcome uint8

// The outcomes of a call.
const (
	// Success counts towards closing and resets the consecutive failures.
	Success Outcome = iota
	// Failure counts towards tripping.
	Failure
	// Ignore does not count towards any policy, however long the call took
	// (it is counted only in calls.ignored); a probe that is ignored gives
	// its slot back.
	Ignore
)

var outcomeNames = [...]string{"success", "failure", "ignored"}

// String returns "success", "failure" or "ignored".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Classify is the default classification of a call's error, used when
// [Config.Classify] is nil (the rule on cancellation holds with any
// classifier):
//
//   - nil is a Success;
//   - an error returned after the caller's own context was cancelled is
//     Ignored: the caller gave up, the dependency did not fail;
//   - otherwise the errctx class decides: [errctx.NotAFailure] (a declined
//     card, a 404 from a lookup) is a Success, every other class a Failure.
func Classify(ctx context.Context, err error) Outcome {
	if err == nil {
		return Success
	}
	if callerGaveUp(ctx, err) {
		return Ignore
	}
	if !errctx.ClassOf(err).IsFailure() {
		return Success
	}
	return Failure
}

// callerGaveUp reports whether err follows the cancellation of the caller's
// own context: the caller stopped waiting, the dependency did not fail.
func callerGaveUp(ctx context.Context, err error) bool {
	return err != nil && ctx != nil && errors.Is(ctx.Err(), context.Canceled)
}

// judge runs a user's classifier. One that panics is a bug of the caller's
// that must not cost the call its verdict (nor a probe its slot): the panic
// is counted in breaker.<name>.classifier_panics and logged, and the call is
// judged by [Classify] instead.
func (b *Breaker) judge(ctx context.Context, err error, classify func() Outcome) (o Outcome) {
	defer func() {
		if r := recover(); r != nil {
			b.counter(classifierPanics).Inc()
			safely(func() {
				b.logger().LogAttrs(ctx, slog.LevelError, "breaker classifier panicked",
					slog.String("breaker", b.name),
					slog.String("attempted", "classifying a call to "+b.name),
					slog.String("error", fmt.Sprint(r)),
					slog.String("remedy", "fix the classifier (Config.Classify or the one given to DoClassified); until then calls are judged by breaker.Classify"))
			})
			o = Classify(ctx, err)
		}
	}()
	return classify()
}
