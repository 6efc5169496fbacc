// Package deadline bounds each outbound call of the middleware clients (the
// HTTP Transport, the gRPC client interceptor) with a per-call timeout that
// the caller's own deadline can shorten but never lift. [Needed] says
// whether a call needs a deadline of ours, and when; [Call] is that
// deadline, a context cheaper than context.WithDeadline, kept in the
// client's per-call struct.
//
// The smallest complete use:
//
//	timeout := deadline.Timeout(opts.Timeout, 30*time.Second)
//	if end, ok := deadline.Needed(ctx, time.Now(), timeout); ok {
//		c := new(deadline.Call) // or a field of the per-call struct
//		c.Start(ctx, end)
//		defer c.Stop()
//		ctx = c
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
