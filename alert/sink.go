package alert

import "context"

// A Sink delivers events to one destination: Alertmanager, SMTP, a webhook,
// a command, the log. A Sink is user code to the Notifier: it may block,
// fail or panic, and the Notifier guards each one with its own bounded
// queue, timeout and circuit breaker, so that it never reaches a caller of
// Notify or another sink.
type Sink interface {
	// Name names the sink in stats (alert.<name>.*) and logs. It must be
	// stable and distinct among a Notifier's sinks.
	Name() string
	// Send delivers one event, returning when it was accepted by the
	// destination or failed. It must honour ctx, which carries the sink's
	// timeout. An error that errctx classes Transient with a Retry-After
	// (an SMTP 421/451/454, an HTTP 429/503) holds the sink's breaker open
	// that long, MaxRetryAfter at most.
	Send(ctx context.Context, ev Event) error
}
