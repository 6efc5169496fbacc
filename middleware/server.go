package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/vitals-go/vitals/internal/panics"
	"github.com/vitals-go/vitals/internal/record"
	"github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

// ServerConfig configures the recommended server stack built by [New]. The zero
// value gives request IDs (X-Request-ID, accepted when valid), one access
// record per request to slog.Default(), panic recovery, and stats to
// stats.Default(); no tracing.
type ServerConfig struct {
	// RequestID configures the request IDs; see [RequestID].
	RequestID RequestIDConfig
	// AccessLog configures the access log and panic recovery; see
	// [AccessLog].
	AccessLog AccessLogConfig
	// Stats configures the stats. Its Route defaults to AccessLog.Route.
	Stats StatsConfig
	// Trace wraps the stack in otelhttp (see [Trace]), with the operation
	// name TraceOperation. Default: no tracing. Records carry trace IDs only
	// when a TracerProvider is set (otel.SetTracerProvider, or
	// otelhttp.WithTracerProvider in TraceOptions): with the global default,
	// a no-op, there are none. An inbound traceparent is followed only when
	// a propagator is set too (otel.SetTextMapPropagator(
	// propagation.TraceContext{}), or otelhttp.WithPropagators); with a
	// provider alone each request starts a new trace.
	Trace bool
	// TraceOptions are passed to otelhttp when Trace is set.
	TraceOptions []otelhttp.Option
}

// New returns next wrapped in the recommended stack: request ID, access log
// with panic recovery, and stats, run in one frame with one response-writer
// wrapper; and, if cfg.Trace is set, otelhttp outside them so that every
// record carries the trace IDs. An invalid cfg is refused with an errctx
// error naming the field.
func New(next http.Handler, cfg ServerConfig) (http.Handler, error) {
	rid, err := newRequestIDPolicy(cfg.RequestID)
	if err != nil {
		return nil, err
	}
	alog, err := newAccessLogger(cfg.AccessLog)
	if err != nil {
		return nil, err
	}
	st, err := newServerStats(cfg.Stats, cfg.AccessLog.Logger)
	if err != nil {
		return nil, err
	}
	if cfg.Stats.Route == nil {
		st.route = alog.route // guarded already
	}
	var h http.Handler = &handler{next: next, rid: rid, alog: alog, stats: st, route: alog.route}
	if cfg.Trace {
		h = Trace(h, TraceOperation, cfg.TraceOptions...)
	}
	return h, nil
}

// RequestID returns next wrapped in the request-ID piece alone: the inbound
// ID when valid and trusted, else a new one; echoed in the response header;
// put in the context with reqid.With, and with log.WithAttrs together with the
// method and route, so every record the handler logs carries them. Put it
// outside [AccessLog] when using the pieces separately.
func RequestID(next http.Handler, cfg RequestIDConfig) (http.Handler, error) {
	rid, err := newRequestIDPolicy(cfg)
	if err != nil {
		return nil, err
	}
	return &handler{next: next, rid: rid, route: PatternRoute}, nil
}

// AccessLog returns next wrapped in the access log and panic recovery, one
// unit so their order cannot go wrong: one record per request, written after
// the response, and a panic becomes a 500 and a single error record.
func AccessLog(next http.Handler, cfg AccessLogConfig) (http.Handler, error) {
	alog, err := newAccessLogger(cfg)
	if err != nil {
		return nil, err
	}
	return &handler{next: next, alog: alog, route: alog.route}, nil
}

// Stats returns next wrapped in the stats piece alone: StatServerRequests and
// StatServerDuration by route and status class, and StatServerInFlight.
func Stats(next http.Handler, cfg StatsConfig) (http.Handler, error) {
	st, err := newServerStats(cfg, nil)
	if err != nil {
		return nil, err
	}
	return &handler{next: next, stats: st, route: st.route}, nil
}

// handler runs the enabled pieces around next in one frame: one
// response-writer wrapper, one request copy, one deferred finish.
type handler struct {
	next  http.Handler
	rid   *requestIDPolicy // nil: piece off
	alog  *accessLogger    // nil: piece off, and no recovery
	stats *serverStats     // nil: piece off
	route func(*http.Request) string
}

// handoff lets a separate AccessLog piece inside a RequestID piece log with
// the context the RequestID piece started from, so that its record does not
// repeat the handler's log attributes.
type handoff struct {
	logCtx       context.Context
	id, rejected string
}

type handoffKey struct{}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &responseWriter{ResponseWriter: w, route: h.route}
	outer := r.Context()
	// The access record is logged with the context the request came with
	// (its trace span, if any) and names the request ID itself: a context
	// made per request would cost the log handler work per record.
	logCtx, ctx := outer, outer
	var id, rejected string
	if h.rid != nil {
		id, rejected = h.rid.resolve(r)
		rw.idHeader[0] = id
		w.Header()[h.rid.header] = rw.idHeader[:]
		ctx = reqid.With(outer, id)
		method := slog.String("method", record.Safe(r.Method, maxMethod))
		if rejected == "" {
			ctx = log.WithAttrs(ctx, method, slog.Any("route", (*lazyRoute)(rw)))
		} else {
			ctx = log.WithAttrs(ctx, method, slog.Any("route", (*lazyRoute)(rw)), record.RejectedID(rejected))
		}
		if h.alog == nil {
			ctx = context.WithValue(ctx, handoffKey{}, &handoff{logCtx: outer, id: id, rejected: rejected})
		}
	} else if ho, ok := outer.Value(handoffKey{}).(*handoff); ok {
		logCtx, id, rejected = ho.logCtx, ho.id, ho.rejected
	} else {
		id, _ = reqid.From(outer)
	}
	if ctx != outer {
		// The copy r.WithContext makes, kept in rw: one allocation less.
		rw.reqCopy = *r.WithContext(ctx)
		r = &rw.reqCopy
	}
	rw.req = r
	if h.alog == nil && h.stats == nil {
		h.next.ServeHTTP(rw, r) // rw: so that Routed can set the route of the log context
		return
	}
	if h.stats != nil {
		h.stats.inFlight.Add(1)
	}
	defer h.finish(rw, start, outer, logCtx, id, rejected)
	h.next.ServeHTTP(rw, r)
	rw.returned = true
}

// finish runs deferred after the handler: it recovers a panic, answers it
// (when the access log is on), records the outcome once, and passes on the
// panics it does not answer.
func (h *handler) finish(rw *responseWriter, start time.Time, outer, logCtx context.Context, id, rejected string) {
	p := recover()
	r := rw.req
	o := ServerOutcome{Duration: time.Since(start), Route: h.route(rw.routeReq()), Hijacked: rw.hijacked, WriteError: rw.mistake.err()}
	o.Panicked = p != nil && p != http.ErrAbortHandler || p == nil && !rw.returned
	o.Aborted = p == http.ErrAbortHandler // net/http's documented way to abort a response
	nameSpan(outer, o.Route)
	started := rw.wroteHeader
	var rec *panicRecord
	if o.Panicked && p != nil && h.alog != nil {
		rec = &panicRecord{value: p, stack: panics.Stack(h.alog.stackDepth), attempted: "serve " + routeOrPath(o.Route, r)}
		if !started && !rw.hijacked {
			idHeader := ""
			if h.rid != nil {
				idHeader = h.rid.header
			}
			writePanicResponse(rw, id, idHeader)
		}
	}
	o.Status, o.Bytes = int(rw.status), rw.bytes
	switch {
	case rw.wroteHeader:
	case rw.hijacked:
		o.Status = hijackedStatus(r)
	case o.Aborted:
		o.Status = StatusAborted
	case o.Panicked:
		o.Status = http.StatusInternalServerError // a panic passing through a stats-only piece
	default:
		o.Status = http.StatusOK // what net/http sends for a handler that wrote nothing
	}
	o.Shed = !o.Panicked && rw.wroteHeader && rw.retryAfter
	if r.Method == http.MethodHead {
		o.Bytes = 0 // net/http sends no body for HEAD
	}
	if !rw.hijacked && (errors.Is(outer.Err(), context.Canceled) || rw.writeFailed) {
		o.ClientGone = true
		if !started {
			o.Status = StatusClientClosedRequest
		}
	}
	if h.stats != nil {
		h.stats.inFlight.Add(-1)
		h.stats.record(h.stats.route(rw.routeReq()), o.Status, o.Duration)
	}
	if h.alog != nil {
		h.alog.log(logCtx, start.Add(o.Duration), r, o, id, rejected, rec)
		if rec != nil {
			h.alog.callOnPanic(r.Context(), PanicInfo{Value: p, Stack: rec.stack, RequestID: id,
				Method: record.Safe(r.Method, maxMethod), Route: o.Route, Path: record.Safe(r.URL.Path, maxPath)})
		}
	}
	switch {
	case rec != nil && started:
		// The client already has part of a response that will never be
		// finished: abort the connection so it cannot take it as complete.
		panic(http.ErrAbortHandler)
	case rec == nil && p != nil:
		panic(p) // an abort, or a panic no access log answered: net/http's to handle
	}
}

// hijackedStatus is the status of a response the handler wrote on the
// hijacked connection, out of sight: 101 when the request asked to switch
// protocols (WebSocket and the like), else 0, unknown.
func hijackedStatus(r *http.Request) int {
	if len(r.Header["Upgrade"]) > 0 {
		return http.StatusSwitchingProtocols
	}
	return 0
}

// callOnPanic runs the OnPanic hook; a panic inside it is logged, not spread.
func (a *accessLogger) callOnPanic(ctx context.Context, info PanicInfo) {
	if a.onPanic == nil {
		return
	}
	panics.CallOnPanic(ctx, a.loggerOrDefault(), a.onPanic, info, "run AccessLogConfig.OnPanic",
		"fix the OnPanic hook; the request was already answered and logged")
}

// routeOrPath names the request for "attempted": the route with its method
// ("GET /users/{id}"), or the method and path when no route matched.
func routeOrPath(route string, r *http.Request) string {
	switch {
	case route == "":
		return record.Safe(r.Method, maxMethod) + " " + record.Safe(r.URL.Path, maxPath)
	case strings.HasPrefix(route, r.Method+" "):
		return route
	}
	return record.Safe(r.Method, maxMethod) + " " + route
}
