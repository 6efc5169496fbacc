package alert

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/vitals-go/vitals/internal/panics"
)

// record writes ev to the log, on the caller's goroutine: the log is not a
// queued sink but the record of every alert the throttle let through, so
// that one no sink delivered is still on record. The log package's handler
// never blocks its caller; a handler that panics is survived.
// Occurrences the throttle suppressed are not logged one by one: the next
// delivery or the window's digest carries their count in "suppressed". A
// resolution's message is its summary after "resolved: ", at INFO.
func (n *Notifier) record(ev Event) {
	level := slog.LevelWarn
	switch {
	case ev.Status == Resolved:
		level = slog.LevelInfo
	case ev.Severity == Page:
		level = slog.LevelError
	}
	msg := ev.Summary
	if ev.Status == Resolved { // the summary says what fired, not what is true now
		msg = "resolved: " + msg
	}
	if ev.Suppressed > 0 {
		msg += " (" + strconv.FormatInt(ev.Suppressed, 10) + " more since " + ev.FirstSeen.Format("15:04:05") + ")"
	}
	attrs := make([]slog.Attr, 0, 15+len(ev.Fields))
	attrs = append(attrs,
		slog.Bool("alert", true),
		slog.String("fingerprint", ev.Fingerprint),
		slog.String("severity", ev.Severity.String()),
		slog.String("status", ev.Status.String()),
		slog.Int64("occurrence", ev.Occurrence),
		slog.Int64("suppressed", ev.Suppressed))
	if ev.Ongoing {
		attrs = append(attrs, slog.Bool("ongoing", true))
	}
	for _, id := range [...]struct{ key, value string }{{"request_id", ev.RequestID}, {"trace_id", ev.TraceID}, {"span_id", ev.SpanID}} {
		if id.value != "" {
			attrs = append(attrs, slog.String(id.key, id.value))
		}
	}
	if ev.Err != nil {
		attrs = append(attrs, slog.String("error", ev.Err.Error()))
	}
	if ev.Remedy != "" {
		attrs = append(attrs, slog.String("remedy", ev.Remedy))
	}
	attrs = append(attrs, ev.Fields...)
	n.log(level, msg, attrs...)
}

// log writes one record with the Notifier's logger, which is user code: a
// panic in it is swallowed, since there is nowhere left to report it.
func (n *Notifier) log(level slog.Level, msg string, attrs ...slog.Attr) {
	defer func() { _ = recover() }()
	n.cfg.Logger.LogAttrs(context.Background(), level, msg, attrs...)
}

// guardCaller, deferred by every method a caller uses, keeps a panic in
// user code reached on the caller's path (an error's Error method, a
// clock) from reaching the caller: it is logged and the alert is lost.
func (n *Notifier) guardCaller() {
	if p := recover(); p != nil {
		n.logPanic(p)
	}
}

// guardOccurrence is guardCaller for a path that has counted an
// occurrence (alert.notified) or a digest (alert.<sink>.digests): when the
// panic came before it was counted as suppressed or handed to the sinks
// (*settled false), every sink counts it as dropped, so that the sums
// still reconcile.
func (n *Notifier) guardOccurrence(settled *bool) {
	if p := recover(); p != nil {
		if !*settled {
			for _, g := range n.guards {
				g.drop(&Event{})
			}
		}
		n.logPanic(p)
	}
}

func (n *Notifier) logPanic(p any) {
	n.log(slog.LevelError, "alert: raising an alert panicked",
		slog.String("attempted", "raise an alert"),
		slog.String("error", panics.Message(p)),
		slog.String("remedy", "fix the Error method or Clock that panicked; the alert was not delivered"))
}
