package alert

import (
	"context"

	"github.com/vitals-go/vitals/errctx"
)

// Close stops the Notifier: invariant checks and breaker watches stop,
// alerts raised from then on are logged and counted as dropped, and the
// events already queued are delivered until ctx ends. What is left then is
// counted as dropped, and Close returns an errctx error saying so. Close
// returns once every goroutine the Notifier started has ended, except a
// sink's Send or a check's Run that ignores its context, which cannot be
// stopped. Calling Close again does nothing.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	stops := n.stops
	n.stops = nil
	for _, g := range n.guards {
		close(g.q)
	}
	n.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
	done := make(chan struct{})
	go func() {
		n.workers.Wait()
		n.children.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = errctx.Wrap(ctx.Err(), "flush the alert queues",
			errctx.WithClass(errctx.Indeterminate),
			errctx.Remedy("give Close a longer deadline; the alerts left were counted in alert.<sink>.dropped and are in the log"))
	}
	n.abort()
	<-done
	return err
}
