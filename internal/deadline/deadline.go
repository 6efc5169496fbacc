// Package deadline bounds each outbound call of the middleware clients (the
// HTTP Transport, the gRPC client interceptor) with a per-call timeout that
// the caller's own deadline can shorten but never lift. [Bound] makes the
// deadline with package context; [Call] is a cheaper context of its own for
// a client that owns a per-call struct to keep it in.
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

// Needed returns the deadline a call started at start must be given:
// start+timeout, unless timeout is 0 or ctx's own deadline is not later, in
// which case ctx needs no deadline of ours (false). A caller's long
// deadline does not lift the per-call bound, and a caller's sooner one is
// not extended.
func Needed(ctx context.Context, start time.Time, timeout time.Duration) (time.Time, bool) {
	if timeout <= 0 {
		return time.Time{}, false
	}
	deadline := start.Add(timeout)
	if d, has := ctx.Deadline(); has && !d.After(deadline) {
		return time.Time{}, false
	}
	return deadline, true
}

// Bound returns ctx ending at the deadline Needed gives, made with
// context.WithDeadline, and its cancel. When none is needed, ctx is
// returned as it is, with a nil cancel: no timer of our own is made.
func Bound(ctx context.Context, start time.Time, timeout time.Duration) (context.Context, context.CancelFunc) {
	deadline, ok := Needed(ctx, start, timeout)
	if !ok {
		return ctx, nil
	}
	return context.WithDeadline(ctx, deadline)
}
