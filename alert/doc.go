// Package alert pushes a person when action is needed, and never takes the
// service down doing it.
//
// A Notifier takes alerts from code (Notify, Error, Fire and Resolve), from
// the catch-alls for what no code handled (Recover and RecoverError for
// goroutines and jobs, Panicked for the HTTP and gRPC middleware's panic
// hooks, WatchBreaker for critical breakers) and from invariant checks
// (Check). It throttles them per fingerprint, records every one in the log
// (alert=true) and hands it to its sinks (Alertmanager, SMTP, your own
// Sink), each behind its own bounded queue, timeout and circuit breaker, so
// that no sink can fail, block or slow a caller.
//
// The smallest complete use, logging alerts only:
//
//	alerts, err := alert.New(alert.Config{})
//	if err != nil {
//		return err
//	}
//	defer alerts.Close(ctx)
//	go func() {
//		defer alerts.Recover(ctx, alert.Return)
//		work(ctx)
//	}()
//	alerts.Error(ctx, err)
package alert
