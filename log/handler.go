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
// Logger.WithGroup.
//
// No JSON object of a line repeats a key, however the keys arrive: as
// attributes of the record, of the logger (Logger.With, also after
// WithGroup) or of the context ([With]), in inline groups, from LogValuers
// (which the handler resolves to see their keys), or as the name of a
// group. One rule decides, in every object: keys are claimed first by the
// line's own (time, level, msg, source unless inner is a [NewJSONHandler]
// without AddSource, and process), then by the logger's attributes, then
// by the record's, then by the context fields (request_id, trace_id,
// span_id, then the attributes of [With]), each in order. An attribute
// whose key is already claimed is left out when its value is the same
// string, number, bool, duration or time (same instant, same offset), so
// the line loses nothing, and is otherwise written under the key with a
// "!" in front ([KeyProcessMoved] for "process"), or, when that is taken
// too, with "!" in front and "#" and a number after: the first number,
// from the attribute's position in its object, that makes it free. Keys
// are compared as written: invalid UTF-8 is written as U+FFFD. Keys that
// inner's own options (ReplaceAttr) produce are inner's business.
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
// request's context) is handed on rebuilt, the context's copy left out or
// renamed, at the cost of at most one allocation, and so is a record that
// repeats a key: renaming a key costs one more.
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
	// Any handler but ours may write "source": only ours says it will not.
	j, ok := inner.(*jsonHandler)
	source := !ok || j.addSource
	prior := reservedKeys(!opts.OmitProcess, source)
	return &handler{cache: new(fieldCache), inner: inner, seq: handlerSeq.Add(1), prior: prior, mask: keyBits(prior)}
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

	// prior are the top-level keys claimed before the record's: the
	// line's own, then the attributes added before the first group, as
	// given to inner (inline groups flattened). mask has their keyBits.
	prior []slog.Attr
	mask  uint64

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
		o := object{prior: [2][]slog.Attr{h.prior}}
		attrs = o.add(nil, attrs)
		h2.inner = h.inner.WithAttrs(attrs)
		h2.prior = append(h.prior[:len(h.prior):len(h.prior)], attrs...)
		h2.mask = keyBits(h2.prior)
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
	mask := h.mask
	if e != nil {
		mask |= e.mask
	}
	// Records are passed on by pointer: a copy of one costs as much as a
	// fifth of the check.
	if mayRepeatIn(&r, mask) {
		return h.handleRepeats(ctx, &r, e)
	}
	if e == nil || len(e.fields) == 0 {
		return h.inner.Handle(ctx, r)
	}
	return h.handleFields(ctx, &r, e)
}

// handleFields hands r to inner with e's fields, which r does not repeat.
func (h *handler) handleFields(ctx context.Context, r *slog.Record, e *entry) error {
	if d := e.derived.Load(); d != nil {
		return d.Handler.Handle(ctx, withLazy(r, nil, e.lazy))
	}
	if e.seen.Add(1) > 1 {
		// The second record with these fields: encode them once, all but
		// the LogValuers, which are resolved per record.
		d := &derived{h.inner.WithAttrs(e.static)}
		e.derived.Store(d)
		return d.Handler.Handle(ctx, withLazy(r, nil, e.lazy))
	}
	return h.inner.Handle(ctx, withLazy(r, e.static, e.lazy))
}

// mayRepeatIn reports whether r's attributes may repeat a key among
// themselves, inside their groups, or of the keys whose bits are in mask:
// the cheap first pass of the rule, which most records pass.
func mayRepeatIn(r *slog.Record, mask uint64) bool {
	hit := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Value.Kind() >= slog.KindGroup { // a group or a LogValuer
			hit = mayRepeat(&mask, a)
			return !hit
		}
		bit := keyBit(a.Key)
		hit = mask&bit != 0
		mask |= bit
		return !hit
	})
	return hit
}

// handleRepeats applies the rule of NewHandler exactly to a record that
// may repeat a key, and hands it on. It works on the stack: it allocates
// only to rebuild a record that changes (past its fifth attribute), to
// check a group whose members may repeat a key, and for a new name not
// made recently.
func (h *handler) handleRepeats(ctx context.Context, r *slog.Record, e *entry) error {
	var in, out [16]slog.Attr
	attrs := in[:0]
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	o := object{prior: [2][]slog.Attr{h.prior}}
	attrs = o.add(out[:0], attrs)
	if o.changed {
		nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
		nr.AddAttrs(attrs...)
		r = &nr
	}
	if e == nil || len(e.fields) == 0 {
		return h.inner.Handle(ctx, *r)
	}
	if e.mask&keyBits(attrs) == 0 || !repeatsKey(attrs, e.fields) {
		return h.handleFields(ctx, r, e)
	}
	// The record sets a key of the fields: they come after it in the rule,
	// though first on the line.
	var fbuf [16]slog.Attr
	f := object{prior: [2][]slog.Attr{h.prior, attrs}}
	return h.inner.Handle(ctx, prepend(r, f.add(fbuf[:0], e.fields)))
}

// repeatsKey reports whether a key of fields is among attrs' keys.
func repeatsKey(attrs, fields []slog.Attr) bool {
	for _, f := range fields {
		for _, a := range attrs {
			if sameKey(a.Key, f.Key) {
				return true
			}
		}
	}
	return false
}

// derived is inner with an entry's fields already added.
type derived struct{ slog.Handler }

// nest returns a record whose only attribute is the chain of open groups,
// holding their attributes and, innermost, the attributes of r, each
// level under the rule of NewHandler.
func (h *handler) nest(r slog.Record) slog.Record {
	last := h.groups[len(h.groups)-1]
	attrs := make([]slog.Attr, 0, len(last.attrs)+r.NumAttrs())
	attrs = append(attrs, last.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	a := slog.Attr{Key: last.name, Value: slog.GroupValue(uniqueLevel(attrs)...)}
	for i := len(h.groups) - 2; i >= 0; i-- {
		g := h.groups[i]
		a = slog.Attr{Key: g.name, Value: slog.GroupValue(uniqueLevel(append(g.attrs[:len(g.attrs):len(g.attrs)], a))...)}
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	nr.AddAttrs(a)
	return nr
}

// uniqueLevel returns attrs, the members of one group, under the rule of
// NewHandler: attrs itself unless they may repeat a key.
func uniqueLevel(attrs []slog.Attr) []slog.Attr {
	var bits uint64
	for _, a := range attrs {
		if mayRepeat(&bits, a) {
			var o object
			return o.add(make([]slog.Attr, 0, len(attrs)), attrs)
		}
	}
	return attrs
}

// prepend returns a copy of r with fields before its own attributes, so that
// the fields come first as they do once encoded by inner.WithAttrs.
//
// The copy is built with one AddAttrs, so it allocates at most once: when
// it holds more than the five attributes a record keeps inline.
func prepend(r *slog.Record, fields []slog.Attr) slog.Record {
	var buf [16]slog.Attr
	attrs := append(buf[:0], fields...)
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	nr.AddAttrs(attrs...)
	return nr
}

// withLazy returns r with the static fields, then the lazy ones, first,
// or r when there are none. The static fields go in as one inline group,
// which takes one of the five attributes a record holds without
// allocating; the lazy ones are resolved, and a group they resolve to is
// given the rule of NewHandler.
func withLazy(r *slog.Record, static, lazy []slog.Attr) slog.Record {
	if len(static) == 0 && len(lazy) == 0 {
		return *r
	}
	var buf [8]slog.Attr
	fields := buf[:0]
	if len(static) > 0 {
		fields = append(fields, slog.Attr{Value: slog.GroupValue(static...)})
	}
	var o object
	return prepend(r, o.add(fields, lazy))
}
