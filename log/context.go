package log

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// ctxAttrs is what [With] stores in a context: the attributes carried so far,
// deduplicated by key, and a sequence number that identifies this exact set.
type ctxAttrs struct {
	attrs []slog.Attr
	seq   uint64
}

type ctxAttrsKey struct{}

var ctxAttrsSeq atomic.Uint64

// With returns a copy of ctx that carries attributes, given as slog.Logger.Log
// takes them: alternating keys and values, or slog.Attr values. A handler from
// [NewHandler] adds them, at the top level, to every record logged with that
// context or one derived from it. Middleware uses this to attach
// request-scoped fields once.
//
// Attributes accumulate across calls; a later key replaces an earlier one.
// A key set here wins over the handler's request_id, trace_id and span_id,
// and gives way to the same key in the logger's attributes (Logger.With)
// or in the record. LogValuer values may be resolved once per request
// rather than per record, as with Logger.With.
func With(ctx context.Context, args ...any) context.Context {
	if len(args) == 0 {
		return ctx
	}
	// Let slog parse the arguments, so that "!BADKEY" and slog.Attr values
	// behave exactly as they do in Logger.Info.
	r := slog.NewRecord(zeroTime, 0, "", 0)
	r.Add(args...)
	var parent []slog.Attr
	if p, ok := ctx.Value(ctxAttrsKey{}).(*ctxAttrs); ok {
		parent = p.attrs
	}
	attrs := make([]slog.Attr, 0, len(parent)+r.NumAttrs())
	attrs = append(attrs, parent...)
	r.Attrs(func(a slog.Attr) bool {
		for i := range attrs {
			if attrs[i].Key == a.Key {
				attrs = append(attrs[:i], attrs[i+1:]...)
				break
			}
		}
		attrs = append(attrs, a)
		return true
	})
	return context.WithValue(ctx, ctxAttrsKey{}, &ctxAttrs{attrs: attrs, seq: ctxAttrsSeq.Add(1)})
}

// attrsFrom returns the attributes carried by ctx, or nil.
func attrsFrom(ctx context.Context) *ctxAttrs {
	ca, _ := ctx.Value(ctxAttrsKey{}).(*ctxAttrs)
	return ca
}
