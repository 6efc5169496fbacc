// Package deadline bounds each outbound call of the middleware clients (the
// HTTP Transport, the gRPC client interceptor) with a per-call timeout that
// the caller's own deadline can shorten but never lift.
//
// The smallest complete use:
//
//	timeout := deadline.Timeout(opts.Timeout, 30*time.Second)
//	ctx, cancel := deadline.Bound(ctx, time.Now(), timeout)
//	if cancel != nil {
//		defer cancel()
//	}
package deadline

import (
	"context"
	"time"
)

// Timeout returns the per-call timeout a configuration asks for: def when
// configured is zero, none (0) when it is negative.
func Timeout(configured, def time.Duration) time.Duration {
	switch {
	case configured == 0:
		return def
	case configured < 0:
		return 0
	}
	return configured
}

// Bound returns ctx ending at start+timeout, whichever of that and ctx's own
// deadline is sooner: a caller's long deadline does not lift the per-call
// bound, and a caller's sooner one is not extended. When timeout is 0 or
// ctx's deadline is not later, ctx is returned as it is, with a nil cancel:
// no timer of our own is made. Otherwise cancel ends the deadline.
func Bound(ctx context.Context, start time.Time, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return ctx, nil
	}
	deadline := start.Add(timeout)
	if d, has := ctx.Deadline(); has && !d.After(deadline) {
		return ctx, nil
	}
	return context.WithDeadline(ctx, deadline)
}
