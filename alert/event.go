package alert

import (
	"context"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/reqid"
)

// complete fills what a leaves empty from its error: Summary from the
// error's text, Remedy from its errctx remedies, and Fields followed by the
// error's own. Fields is copied, so the event does not share the caller's
// slice.
func complete(a Alert) Alert {
	a.Fields = slices.Clone(a.Fields)
	if a.Err == nil {
		return a
	}
	if a.Summary == "" {
		a.Summary = a.Err.Error()
	}
	if a.Remedy == "" {
		a.Remedy = strings.Join(errctx.RemediesOf(a.Err), "; ")
	}
	a.Fields = append(a.Fields, errctx.FieldsOf(a.Err)...)
	return a
}

// event builds the event of one occurrence of a, raised under ctx.
func (n *Notifier) event(ctx context.Context, a *Alert, st Status) Event {
	ev := Event{Alert: complete(*a), Status: st}
	n.addContext(ctx, &ev)
	return ev
}

// addContext adds the process identity and what ctx carries: the request
// ID and the trace and span IDs.
func (n *Notifier) addContext(ctx context.Context, ev *Event) {
	ev.Process = n.process
	if ctx == nil {
		return
	}
	ev.RequestID, _ = reqid.From(ctx)
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		ev.TraceID, ev.SpanID = sc.TraceID().String(), sc.SpanID().String()
	}
}
