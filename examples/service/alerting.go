package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/stats"
)

// alerting pushes a person when the service needs one: when the payments
// breaker opens (orders are taken but not charged) and when a handler
// panics (a bug). Every alert is a log record with alert=true; with
// -alertmanager it also goes to Alertmanager, which groups, routes and
// silences the alerts of every instance.
type alerting struct {
	n  *alert.Notifier
	am *alert.Alertmanager // nil without -alertmanager
}

// startAlerting starts the service's alerts, to the log and, when
// alertmanager is not empty, to the Alertmanager at that URL.
func startAlerting(logger *slog.Logger, emitter stats.Emitter, alertmanager string, payments *breaker.Breaker) (*alerting, error) {
	a := &alerting{}
	cfg := alert.Config{Logger: logger, Emitter: emitter}
	if alertmanager != "" {
		am, err := alert.NewAlertmanager(alert.AlertmanagerConfig{URL: alertmanager, LabelFields: []string{"breaker", "route"}})
		if err != nil {
			return nil, err
		}
		a.am = am
		cfg.Sinks = []alert.Sink{am}
	}
	n, err := alert.New(cfg)
	if err != nil {
		a.closeSink()
		return nil, err
	}
	a.n = n
	// Payments is critical: while its breaker is open, orders are taken
	// but their cards are not charged. The watch ends with Close, which
	// leaves an alert still firing to expire in Alertmanager rather than
	// resolve what is not resolved.
	if _, err := n.WatchBreaker(payments); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// onPanic is the access log's OnPanic hook: a panic was logged and
// answered with a 500; the alert asks for the bug to be fixed.
func (a *alerting) onPanic(ctx context.Context, p middleware.PanicInfo) {
	a.n.Panicked(ctx, alert.PanicInfo{Value: p.Value, Stack: p.Stack, RequestID: p.RequestID, Method: p.Method, Route: p.Route})
}

// close delivers the alerts still queued, for up to 5 seconds: the
// service is stopping, and a stop must not hang on a sink.
func (a *alerting) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = a.n.Close(ctx) // what it could not deliver is counted and in the log
	a.closeSink()
}

// closeSink stops the Alertmanager sink's refreshes, if there is one.
func (a *alerting) closeSink() {
	if a.am != nil {
		_ = a.am.Close()
	}
}
