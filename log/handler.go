package log

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/reqid"
)

// Stable keys added by the handler (see DESIGN.md).
const (
	KeyProcess   = "process"    // group: service, version, host, pid, start, id
	KeyRequestID = "request_id" // from reqid.From
	KeyTraceID   = "trace_id"   // from a valid OTel span context
	KeySpanID    = "span_id"    // from a valid OTel span context
)

var zeroTime time.Time

// HandlerOptions configures [NewHandler]. The zero value is the default:
// the process identity from reqid.Process under the key "process".
type HandlerOptions struct {
	// OmitProcess leaves out the "process" group, for example when the
	// collector adds the same information.
	OmitProcess bool

	// Process replaces the identity reported under "process"; nil means
	// reqid.Process().
	Process *reqid.Identity
}

// NewHandler returns a handler that adds to every record, then passes it to
// inner:
//
//   - "process": the identity of the process (service, version, host, pid,
//     start, id), encoded once by inner.WithAttrs here, not per record;
//   - "request_id": the request ID carried by the context (reqid.With);
//   - "trace_id" and "span_id": when the context holds a valid OpenTelemetry
//     span context, whether or not the span is recording;
//   - the attributes carried by the context ([With]).
//
// The context fields stay at the top level of the record even after
// Logger.WithGroup, and never repeat a key, however the key arrives: as an
// attribute, in an inline group, from a LogValuer with an empty key (which
// the handler resolves to see its keys), or as the name of a group. When the
// same key comes from several places, the most specific wins: the record's
// own top-level attributes, then the logger's (Logger.With), then the
// context's ([With]), then request_id, trace_id and span_id. The process
// identity is the exception: it always wins, and an attribute or group of
// the record, logger or context named "process" is written under
// [KeyProcessMoved] instead (unless OmitProcess is set). The record's and
// the logger's own attributes are written as slog's handlers write them:
// a record attribute with a key that Logger.With already gave is written
// as well.
//
// The handler remembers, for a few hundred recent combinations of logger,
// request ID, span and context attributes, the fields it built; from the
// second record of the same combination on it hands the record to an inner
// handler with those fields already encoded (inner.WithAttrs). So a request
// pays for encoding its fields once, and every later record costs about what
// it costs in inner alone, with no allocations. The first record of a
// request allocates a few small objects, and so does every record logged
// through Logger.WithGroup, which the handler nests itself. A record that
// sets a key the context also carries (an outbound call's "method" in a
// request's context) is handed on rebuilt without the context's copy, at
// the cost of at most one allocation.
//
// The request ID, span context and attributes are read from the context
// for every record, never remembered per context object: a context that
// is reused for the next request and answers Value differently (gin's
// *gin.Context with ContextWithFallback, fasthttp's RequestCtx) logs the
// new request's fields from its next record on. What is remembered is keyed
// by those values, so the cache never keeps a context reachable. A
// LogValuer carried by the context is resolved at every record, so a value
// that changes during a request (the route a router matches after the
// middleware attached it) is logged as it is then.
func NewHandler(inner slog.Handler, opts *HandlerOptions) slog.Handler {
	if opts == nil {
		opts = &HandlerOptions{}
	}
	if !opts.OmitProcess {
		p := opts.Process
		if p == nil {
			id := reqid.Process()
			p = &id
		}
		inner = inner.WithAttrs([]slog.Attr{processAttr(*p)})
	}
	return &handler{cache: new(fieldCache), inner: inner, seq: handlerSeq.Add(1), process: !opts.OmitProcess}
}

func processAttr(p reqid.Identity) slog.Attr {
	return slog.Group(KeyProcess,
		slog.String("service", p.Service),
		slog.String("version", p.Version),
		slog.String("host", p.Host),
		slog.Int("pid", p.PID),
		slog.Time("start", p.Start),
		slog.String("id", p.ID),
	)
}

var handlerSeq atomic.Uint64

// handler is the slog.Handler returned by NewHandler.
type handler struct {
	cache *fieldCache  // shared by every handler derived from one NewHandler
	inner slog.Handler // the wrapped handler, with the process and the top-level attributes
	seq   uint64       // identifies this handler in the cache

	process bool // inner carries the process identity: the key is reserved

	top keySet // keys of the attributes added before the first group

	// groups opened by WithGroup, outermost first, with the attributes
	// added inside each. Records are nested into them at Handle, so that
	// the context fields can stay at the top level.
	groups []group
}

type group struct {
	name  string
	attrs []slog.Attr
}

// Enabled reports whether inner handles records at level l.
func (h *handler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// WithAttrs returns a handler that adds attrs to every record, inside the
// groups opened so far.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.seq = handlerSeq.Add(1)
	if len(h.groups) == 0 {
		attrs = fixAttrs(attrs, h.process)
		h2.inner = h.inner.WithAttrs(attrs)
		h2.top = h.top.with(attrs)
		return &h2
	}
	h2.groups = append([]group(nil), h.groups...)
	last := &h2.groups[len(h2.groups)-1]
	last.attrs = append(append([]slog.Attr(nil), last.attrs...), attrs...)
	return &h2
}

// WithGroup returns a handler that puts the record's attributes, and those
// added later with WithAttrs, in the group name. The context fields stay at
// the top level.
func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.seq = handlerSeq.Add(1)
	h2.groups = append(append([]group(nil), h.groups...), group{name: name})
	return &h2
}

// Handle adds the context fields to r and passes it to inner.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if len(h.groups) > 0 {
		r = h.nest(r)
	}
	e := h.fields(ctx)
	fix, clash := h.scan(r, e)
	if fix {
		r = h.fix(r)
		_, clash = h.scan(r, e)
	}
	if e == nil || len(e.fields) == 0 {
		return h.inner.Handle(ctx, r)
	}
	if clash {
		return h.inner.Handle(ctx, prepend(r, e.fields, true))
	}
	if d := e.derived.Load(); d != nil {
		return d.Handler.Handle(ctx, withLazy(r, e.lazy))
	}
	if e.seen.Add(1) > 1 {
		// The second record with these fields: encode them once, all but
		// the LogValuers, which are resolved per record.
		d := &derived{h.inner.WithAttrs(e.static)}
		e.derived.Store(d)
		return d.Handler.Handle(ctx, withLazy(r, e.lazy))
	}
	return h.inner.Handle(ctx, prepend(r, e.fields, false))
}

// scan reports whether r has a top-level attribute that needsFix, and
// whether r sets one of e's keys itself, in which case the record keeps its
// own value. Most records have neither: a first pass only checks each key's
// bit against the mask of e's keys and the keys that may need fixing, and
// the exact check runs only on a hit.
func (h *handler) scan(r slog.Record, e *entry) (fix, clash bool) {
	mask := fixBits
	if e != nil {
		mask |= e.mask
	}
	hit := false
	r.Attrs(func(a slog.Attr) bool {
		hit = keyBit(a.Key)&mask != 0
		return !hit
	})
	if !hit {
		return false, false
	}
	r.Attrs(func(a slog.Attr) bool {
		bit := keyBit(a.Key)
		if bit&fixBits != 0 && needsFix(a, h.process) {
			fix = true
			return false
		}
		clash = clash || bit&mask != 0 && e != nil && e.uses(a)
		return true
	})
	return fix, clash
}

// fixBits are the keyBits of the keys that may need fixing: "" and
// "process".
var fixBits = keyBit("") | keyBit(KeyProcess)

// fix returns a copy of r with fixAttr applied to its attributes.
func (h *handler) fix(r slog.Record) slog.Record {
	attrs := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, fixAttr(a, h.process))
		return true
	})
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	nr.AddAttrs(attrs...)
	return nr
}

// derived is inner with an entry's fields already added.
type derived struct{ slog.Handler }

// nest returns a record whose only attribute is the chain of open groups,
// holding their attributes and, innermost, the attributes of r.
func (h *handler) nest(r slog.Record) slog.Record {
	last := h.groups[len(h.groups)-1]
	attrs := make([]slog.Attr, 0, len(last.attrs)+r.NumAttrs())
	attrs = append(attrs, last.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	a := slog.Attr{Key: last.name, Value: slog.GroupValue(attrs...)}
	for i := len(h.groups) - 2; i >= 0; i-- {
		g := h.groups[i]
		a = slog.Attr{Key: g.name, Value: slog.GroupValue(append(g.attrs[:len(g.attrs):len(g.attrs)], a)...)}
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	nr.AddAttrs(a)
	return nr
}

// prepend returns a copy of r with fields before its own attributes, so that
// the fields come first as they do once encoded by inner.WithAttrs. With
// clash, the fields whose keys r sets itself at the top level are left out.
//
// The copy is built with one AddAttrs, so it allocates at most once: when
// it holds more than the five attributes a record keeps inline. Without a
// clash the fields go in as one inline group, which takes one of the five.
func prepend(r slog.Record, fields []slog.Attr, clash bool) slog.Record {
	var buf [16]slog.Attr
	attrs := buf[:0]
	if clash {
		for _, f := range fields {
			if !sets(r, f.Key) {
				attrs = append(attrs, f)
			}
		}
	} else {
		attrs = append(attrs, slog.Attr{Value: slog.GroupValue(fields...)})
	}
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	nr.AddAttrs(attrs...)
	return nr
}

// withLazy returns r with the lazy fields first, or r when there are none.
func withLazy(r slog.Record, lazy []slog.Attr) slog.Record {
	if len(lazy) == 0 {
		return r
	}
	return prepend(r, lazy, false)
}

// sets reports whether r sets key at its top level, inline groups included.
func sets(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = setsKey(a, key)
		return !found
	})
	return found
}

// setsKey reports whether a is key at the top level, or an inline group
// (empty key) holding it.
func setsKey(a slog.Attr, key string) bool {
	if a.Key != "" {
		return a.Key == key
	}
	if a.Value.Kind() != slog.KindGroup {
		return false
	}
	for _, g := range a.Value.Group() {
		if setsKey(g, key) {
			return true
		}
	}
	return false
}
