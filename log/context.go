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

// attrsCtx is the context [With] returns: ctx plus the attributes. It
// answers the ctxAttrsKey lookup itself and passes every other one to its
// parent, as a context.WithValue would. It is allocated together with room
// for the attributes, sized to fit (smallAttrsCtx, largeAttrsCtx), so that
// the context costs one allocation.
type attrsCtx struct {
	context.Context
	ca ctxAttrs
}

// smallAttrsCtx fits what middleware attaches (method, route).
type smallAttrsCtx struct {
	attrsCtx
	inline [2]slog.Attr
}

// largeAttrsCtx fits that and two of the handler's own.
type largeAttrsCtx struct {
	attrsCtx
	inline [4]slog.Attr
}

// newAttrsCtx returns an attrsCtx on ctx with room for n attributes in
// ca.attrs, in one allocation up to four.
func newAttrsCtx(ctx context.Context, n int) *attrsCtx {
	switch {
	case n <= 2:
		c := &smallAttrsCtx{attrsCtx: attrsCtx{Context: ctx}}
		c.ca.attrs = c.inline[:0]
		return &c.attrsCtx
	case n <= 4:
		c := &largeAttrsCtx{attrsCtx: attrsCtx{Context: ctx}}
		c.ca.attrs = c.inline[:0]
		return &c.attrsCtx
	}
	return &attrsCtx{Context: ctx, ca: ctxAttrs{attrs: make([]slog.Attr, 0, n)}}
}

// Value returns the carried attributes for the package's key, else the
// parent's value.
func (c *attrsCtx) Value(key any) any {
	if _, ok := key.(ctxAttrsKey); ok {
		return &c.ca
	}
	return c.Context.Value(key)
}

// String names the context, as the context package's own do.
func (c *attrsCtx) String() string {
	if s, ok := c.Context.(interface{ String() string }); ok {
		return s.String() + ".log.With"
	}
	return "context.log.With"
}

// With returns a copy of ctx that carries attributes, given as slog.Logger.Log
// takes them: alternating keys and values, or slog.Attr values. A handler from
// [NewHandler] adds them, at the top level, to every record logged with that
// context or one derived from it. Middleware uses this to attach
// request-scoped fields once.
//
// Attributes accumulate across calls; a later key replaces an earlier one,
// also when either comes in an inline group (slog.Group with an empty key,
// or a LogValuer with an empty key resolving to a group, resolved here).
// A key that the line already uses (the logger's attributes, the record's,
// request_id, trace_id, span_id) is left out when the value is the same,
// else written as "!"+key: see [NewHandler] for the rule. A LogValuer value (with a key) is resolved at every
// record, unlike with Logger.With, so it may change during a request.
//
// The new context costs one allocation while it carries at most four
// attributes, the parent's included, plus whatever converting the values to
// interfaces costs; [WithAttrs] avoids the latter.
func With(ctx context.Context, args ...any) context.Context {
	if len(args) == 0 {
		return ctx
	}
	// Let slog parse the arguments, so that "!BADKEY" and slog.Attr values
	// behave exactly as they do in Logger.Info.
	r := slog.NewRecord(zeroTime, 0, "", 0)
	r.Add(args...)
	var buf [8]slog.Attr
	attrs := buf[:0]
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	return WithAttrs(ctx, attrs...)
}

// WithAttrs is [With] for slog.Attr values, as Logger.LogAttrs is for
// Logger.Log: the values are not converted to interfaces, so a context
// carrying up to four attributes (the parent's included) costs exactly one
// allocation. Groups without attributes are left out, as slog does.
func WithAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	if len(attrs) == 0 {
		return ctx
	}
	var parent []slog.Attr
	if p, ok := ctx.Value(ctxAttrsKey{}).(*ctxAttrs); ok {
		parent = p.attrs
	}
	c := newAttrsCtx(ctx, len(parent)+len(attrs))
	c.ca = ctxAttrs{attrs: addAttrs(append(c.ca.attrs, parent...), attrs), seq: ctxAttrsSeq.Add(1)}
	return c
}

// addAttrs appends attrs to all, each replacing an attribute of the same key,
// so that the carried attributes never repeat a key. The members of an inline
// group (an empty key, or a LogValuer with an empty key that resolves to a
// group) are added one by one, as a handler writes them at the top level.
func addAttrs(all, attrs []slog.Attr) []slog.Attr {
	for _, a := range attrs {
		if a.Key == "" {
			a.Value = a.Value.Resolve()
		}
		if a.Value.Kind() == slog.KindGroup {
			if a.Key == "" {
				all = addAttrs(all, a.Value.Group())
				continue
			}
			if len(a.Value.Group()) == 0 {
				continue
			}
		}
		for i := range all {
			if all[i].Key == a.Key {
				all = append(all[:i], all[i+1:]...)
				break
			}
		}
		all = append(all, a)
	}
	return all
}

// attrsFrom returns the attributes carried by ctx, or nil.
func attrsFrom(ctx context.Context) *ctxAttrs {
	ca, _ := ctx.Value(ctxAttrsKey{}).(*ctxAttrs)
	return ca
}
