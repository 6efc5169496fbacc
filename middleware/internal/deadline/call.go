package deadline

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Call is the context of one outbound call: it ends at its deadline, when
// its parent ends, or when Stop is called, whichever comes first. It is
// context.WithDeadline made cheap for the per-call timeout of a client:
//
//   - it lives inside the caller's per-call struct, so it allocates nothing
//     of its own, and borrows its timer from a pool;
//   - its channel and timer are made by the first Done or AfterFunc, so a
//     RoundTripper that never watches the context pays for neither, and an
//     unwatched Call notices its deadline in Err;
//   - the context http.Transport derives per request is cancelled through
//     AfterFunc (package context uses that method when a parent has it),
//     without the children map and closures that a cancelCtx parent costs.
//
// Start it once, pass it as the call's context, and Stop it when the call
// is over. A Call must not be copied after Start.
type Call struct {
	parent   context.Context
	deadline time.Time

	mu         sync.Mutex
	err        error        // why the call ended; nil until then
	done       atomic.Value // chan struct{}: made by the first watcher, closed when the call ends; read without mu once made
	timer      *callTimer
	stopParent func() bool
	hooks      [2]hook // the first AfterFunc registrations, without allocating
	used       int     // hooks taken; slots are never reused, so a stale stop cannot remove a newer hook
	more       []*hook
}

// hook is one AfterFunc registration; f is nil once it ran or was stopped.
type hook struct {
	c *Call
	f func()
}

// Start makes c a context ending at deadline or when parent ends. The
// caller must make sure parent's own deadline is not sooner (see Needed):
// Deadline reports deadline.
func (c *Call) Start(parent context.Context, deadline time.Time) {
	c.parent, c.deadline = parent, deadline
}

// Stop ends the call with context.Canceled, if it has not ended yet, and
// releases its timer and its hold on the parent. It may be called more than
// once, and concurrently with the context's other methods.
func (c *Call) Stop() { c.end(context.Canceled) }

// Deadline returns the deadline given to Start.
func (c *Call) Deadline() (time.Time, bool) { return c.deadline, true }

// Done returns a channel closed when the call ends, arming the timer and
// the watch on the parent the first time.
func (c *Call) Done() <-chan struct{} {
	if d := c.done.Load(); d != nil {
		return d.(chan struct{})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watchLocked()
	return c.done.Load().(chan struct{})
}

// Err returns nil while the call runs, then why it ended:
// context.DeadlineExceeded, the parent's error, or context.Canceled after
// Stop.
func (c *Call) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && c.done.Load() == nil {
		// Nothing watches the call, so no timer will end it: look now.
		// Without watchers there are no hooks to run either.
		if err := c.parent.Err(); err != nil {
			c.endLocked(err)
		} else if !time.Now().Before(c.deadline) {
			c.endLocked(context.DeadlineExceeded)
		}
	}
	return c.err
}

// Value returns the parent's value for key.
func (c *Call) Value(key any) any { return c.parent.Value(key) }

// AfterFunc arranges for f to run once the call ends, and returns a stop
// function that cancels it, reporting whether it did. It is the method
// package context calls to cancel contexts derived from c; unlike
// context.AfterFunc, f runs in the goroutine that ends the call (f must not
// block), except that a call already over runs f in a goroutine of its own:
// package context registers while holding the derived context's lock.
func (c *Call) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	c.watchLocked()
	if c.err != nil {
		c.mu.Unlock()
		go f()
		return stopped
	}
	var h *hook
	if c.used < len(c.hooks) {
		h = &c.hooks[c.used]
		c.used++
	} else {
		h = new(hook)
		c.more = append(c.more, h)
	}
	h.c, h.f = c, f
	c.mu.Unlock()
	return h.stop
}

func stopped() bool { return false }

func (h *hook) stop() bool {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	ran := h.f == nil
	h.f = nil
	return !ran
}

// watchLocked makes the done channel and, unless the call is over, arms
// the timer and the watch on the parent.
func (c *Call) watchLocked() {
	if c.done.Load() != nil {
		return
	}
	done := make(chan struct{})
	c.done.Store(done)
	if c.err != nil {
		close(done)
		return
	}
	c.timer = lendTimer(c, time.Until(c.deadline))
	if c.parent.Done() != nil {
		c.stopParent = context.AfterFunc(c.parent, c.parentEnded)
	}
}

func (c *Call) expire()      { c.end(context.DeadlineExceeded) }
func (c *Call) parentEnded() { c.end(c.parent.Err()) }

// end ends the call with err, then runs the hooks outside the lock: they
// cancel derived contexts, which read c.Err.
func (c *Call) end(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.endLocked(err)
	var inline [len(c.hooks)]func()
	run := inline[:0]
	for i := range c.used {
		run = take(run, &c.hooks[i])
	}
	for _, h := range c.more {
		run = take(run, h)
	}
	c.more = nil
	c.mu.Unlock()
	for _, f := range run {
		f()
	}
}

// take appends h's function to run unless it was stopped, and marks it run.
func take(run []func(), h *hook) []func() {
	if h.f != nil {
		run = append(run, h.f)
		h.f = nil
	}
	return run
}

func (c *Call) endLocked(err error) {
	c.err = err
	if d := c.done.Load(); d != nil {
		close(d.(chan struct{}))
	}
	if c.timer != nil {
		c.timer.giveBack()
	}
	if c.stopParent != nil {
		c.stopParent()
	}
}
