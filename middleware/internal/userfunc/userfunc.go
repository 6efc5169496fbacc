// Package userfunc makes the functions a user configures a middleware
// with (Level, Skip, Route, IsFailure, BreakerConfig) safe to call on a
// request path: one that panics never crashes the request or the call;
// the documented default answers instead, and the panics are counted and
// logged, the first one and then the 2nd, 4th, 8th..., so that a function
// that panics at every call costs one record per doubling.
//
// The smallest complete use, at construction:
//
//	level := userfunc.Guard("ClientConfig.Level", "DefaultClientLevel", cfg.Level, DefaultClientLevel, cfg.Logger)
//	lvl := level(outcome) // DefaultClientLevel(outcome) if cfg.Level panics
package userfunc

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/vitals-go/vitals/internal/panics"
)

// stackDepth bounds the frames logged with a user function's panic.
const stackDepth = 16

// Guard returns f guarded: a call returns f(a), or, when f panics, def(a)
// (the zero R when def is nil) after reporting the panic to logger
// (slog.Default() at the time when nil). option names f as the user set
// it ("ClientConfig.Level") and fallback what answers instead
// ("DefaultClientLevel"), for the record. When f is nil, Guard returns def.
//
// Guard cannot bound a function that blocks: it runs in the caller's
// goroutine, as the option's doc says.
func Guard[A, R any](option, fallback string, f, def func(A) R, logger *slog.Logger) func(A) R {
	if f == nil {
		return def
	}
	r := &reporter{option: option, fallback: fallback, logger: logger}
	return func(a A) (res R) {
		defer func() {
			if p := recover(); p != nil {
				if n := r.panics.Add(1); n&(n-1) == 0 { // a power of two
					r.log(p, n, panics.Stack(stackDepth))
				}
				if def != nil {
					res = def(a)
				}
			}
		}()
		return f(a)
	}
}

// reporter counts the panics of one guarded function and logs some.
type reporter struct {
	option, fallback string
	logger           *slog.Logger
	panics           atomic.Int64
}

// log logs the nth panic, p. The record is logged without the request's
// context: a value in it (a route resolved by the very function that
// panicked) could panic again.
func (r *reporter) log(p any, n int64, stack []string) {
	logger := r.logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.LogAttrs(context.Background(), slog.LevelError, "user function panicked",
		panics.AppendAttrs([]slog.Attr{slog.Int64("panics", n)}, "run "+r.option, p, stack,
			"fix "+r.option+"; until then "+r.fallback+" answers instead, at each call it panics")...)
}
