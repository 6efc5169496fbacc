package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/panics"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

// delivery is what one sink made of one event.
type delivery struct {
	sink string
	err  error // nil: the sink accepted the event
}

// deliver sends ev to every sink at once and waits for each until ctx
// ends: a sink that panics, fails or has not returned by then has not
// accepted it. A sink that ignores ctx is left behind, still running; the
// process exits soon in any case, or (vitals check --every) sends again
// only when the check changes state.
func deliver(ctx context.Context, sinks []alert.Sink, ev alert.Event) []delivery {
	type answer struct {
		i   int
		err error
	}
	answers := make(chan answer, len(sinks))
	res := make([]delivery, len(sinks))
	pending := make(map[int]bool, len(sinks))
	for i, s := range sinks {
		res[i].sink, pending[i] = s.Name(), true
		go func() { answers <- answer{i, send(ctx, s, ev)} }()
	}
	for len(pending) > 0 {
		select {
		case a := <-answers:
			res[a.i].err = a.err
			delete(pending, a.i)
		case <-ctx.Done():
			for i := range pending {
				res[i].err = errctx.Wrap(ctx.Err(), "send the alert to sink "+res[i].sink,
					errctx.WithClass(errctx.Indeterminate),
					errctx.Remedy("the sink did not answer in time; check the destination, or raise --timeout"))
			}
			return res
		}
	}
	return res
}

// send calls s.Send, turning a panic into an error.
func send(ctx context.Context, s alert.Sink, ev alert.Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errctx.Wrap(errors.New(panics.Message(p)), "send the alert to sink "+s.Name(),
				errctx.Remedy("this is a bug in the sink; report it"))
		}
	}()
	return s.Send(ctx, ev)
}

// accepted counts the sinks that accepted the event.
func accepted(res []delivery) int {
	n := 0
	for _, d := range res {
		if d.err == nil {
			n++
		}
	}
	return n
}

// logSink writes each event as one JSON line: the sink used when none is
// configured, so that an alert is never lost silently.
type logSink struct{ log *slog.Logger }

// newLogSink returns the log sink writing to w, with the C1 and bidi
// characters that JSON leaves raw escaped, since w is a terminal.
func newLogSink(w io.Writer) *logSink {
	return &logSink{log: vlog.New(vlog.Options{Writer: escaping{w}})}
}

// escaping writes JSON lines with escapeJSON; the log handler writes one
// line per Write.
type escaping struct{ w io.Writer }

func (e escaping) Write(p []byte) (int, error) {
	if _, err := e.w.Write(escapeJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (*logSink) Name() string { return "log" }

// Send writes ev at Warn (Error for a page, Info once resolved), with the
// keys the alert package's Notifier logs.
func (s *logSink) Send(ctx context.Context, ev alert.Event) error {
	level := slog.LevelWarn
	switch {
	case ev.Status == alert.Resolved:
		level = slog.LevelInfo
	case ev.Severity == alert.Page:
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.Bool("alert", true),
		slog.String("severity", ev.Severity.String()),
		slog.String("status", ev.Status.String()),
	}
	if ev.Fingerprint != "" {
		attrs = append(attrs, slog.String("fingerprint", ev.Fingerprint))
	}
	if ev.Remedy != "" {
		attrs = append(attrs, slog.String("remedy", ev.Remedy))
	}
	s.log.LogAttrs(ctx, level, ev.Summary, append(attrs, ev.Fields...)...)
	return nil
}

// newEvent is the event of a, raised (or resolved) now by this process,
// whose identity --service has set.
func newEvent(a alert.Alert, st alert.Status, now time.Time) alert.Event {
	return alert.Event{Alert: a, Status: st, Process: reqid.Process(), Occurrence: 1, FirstSeen: now, LastSeen: now}
}

// describe is one line saying what a sink made of an event.
func (d delivery) describe() string {
	if d.err == nil {
		return fmt.Sprintf("%s: accepted", d.sink)
	}
	return fmt.Sprintf("%s: failed: %s", d.sink, safeErr(d.err))
}
