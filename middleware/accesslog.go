package middleware

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/panics"
	"github.com/vitals-go/vitals/internal/record"
	"github.com/vitals-go/vitals/middleware/internal/level"
	"github.com/vitals-go/vitals/middleware/internal/userfunc"
)

// StatusClientClosedRequest is the status recorded when the client went away before
// any response was written (nginx's 499).
const StatusClientClosedRequest = 499

// StatusAborted is the status recorded when the handler aborted the
// response with panic(http.ErrAbortHandler) before writing any: net/http
// closed the connection without a response (nginx's 444).
const StatusAborted = 444

// ServerOutcome is what happened to one request, as the access log sees it after
// the response. Level and Skip decide on it.
type ServerOutcome struct {
	// Status is the status sent: StatusClientClosedRequest if the client left before
	// any, StatusAborted if the handler aborted before any, 500 if it
	// panicked before any; for a hijacked connection, 101 when the request
	// asked for an upgrade, else 0 (the handler answered out of sight).
	Status     int
	Bytes      int64         // response body bytes that went on the wire (0 for HEAD)
	Duration   time.Duration // from the middleware's start to the handler's return
	Route      string        // the matched route; "" when none matched
	ClientGone bool          // the client went away before the response was finished
	Panicked   bool          // the handler panicked
	Hijacked   bool          // the handler took over the connection
	Aborted    bool          // the handler aborted the response with http.ErrAbortHandler
	// Shed: the response went out as a 503 or 429 with a Retry-After
	// header (one set after WriteHeader is not sent and does not count):
	// the server declined the request for now and said when to retry (it
	// sheds load, or a dependency's breaker is open). Not a failure of
	// the server.
	Shed bool
	// WriteError is the first write net/http refused because of the
	// handler, not the client: a body after a 1xx, 204 or 304
	// (http.ErrBodyNotAllowed), or past the declared Content-Length
	// (http.ErrContentLength). The client got the response as declared.
	WriteError error
}

// DefaultServerLevel is the default AccessLogConfig.Level, by the table
// in the package doc ("Levels"): Error for a panic or a 5xx, unless the
// request was shed (Warn); Info when the client went away; Warn for a 4xx,
// an aborted response or a refused write; Info otherwise.
func DefaultServerLevel(o ServerOutcome) slog.Level {
	return level.Served(level.Request{Failed: o.Panicked || o.Status >= 500, Shed: o.Shed,
		Refused: o.Status >= 400 || o.Aborted || o.WriteError != nil, ClientGone: o.ClientGone})
}

// SkipSucceeded returns a Skip function that skips requests to the given
// paths (exact match on URL.Path) when they succeeded: a status below 400, no
// panic, the client still there. A failing health check is still logged.
func SkipSucceeded(paths ...string) func(*http.Request, ServerOutcome) bool {
	paths = slices.Clone(paths)
	return func(r *http.Request, o ServerOutcome) bool {
		return o.Status < 400 && !o.Panicked && !o.ClientGone && !o.Aborted && slices.Contains(paths, r.URL.Path)
	}
}

// DefaultStackDepth bounds the frames logged for a panic when
// AccessLogConfig.StackDepth is zero.
const DefaultStackDepth = 32

// defaultRedacted are the headers DefaultRedacted returns.
var defaultRedacted = [...]string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Auth-Token", "X-Csrf-Token"}

// DefaultRedacted returns the request headers whose values are never
// logged, whatever AccessLogConfig.Redact says. It returns a new slice each
// time: changing it changes nothing, so that no package can unmask a
// header for the whole process.
func DefaultRedacted() []string { return slices.Clone(defaultRedacted[:]) }

// AccessLogConfig configures the access log and panic recovery, one unit
// ([AccessLog], and ServerConfig.AccessLog of [New]). The zero value logs every
// request to slog.Default() at [DefaultServerLevel], without query strings or
// headers.
//
// Every value a client controls is bounded in the records, the access
// record and those the handler logs through its context alike: method 64
// bytes, path (with its query) 1,024, user_agent 256, each logged header
// value 256, remote_addr 128. A value longer than its bound, or holding a
// control (C0, C1), bidi or invalid UTF-8 character, is logged quoted as
// strconv.QuoteToASCII quotes it, cut inside the quotes with "...", so no
// such character ever reaches a log line.
type AccessLogConfig struct {
	// Logger receives the records. Default: slog.Default() at each request.
	// Use a logger built on the vitals log handler (log.New) so records carry
	// request_id, trace_id and span_id from the context.
	Logger *slog.Logger
	// Level picks the record level from the outcome. Default: DefaultServerLevel.
	Level func(ServerOutcome) slog.Level
	// Skip, when it returns true, drops the record. It runs after the
	// response, so it can keep failures of requests it usually skips
	// (see SkipSucceeded). Panics are always logged.
	Skip func(*http.Request, ServerOutcome) bool
	// Route names the route of a request. Default: PatternRoute.
	Route func(*http.Request) string
	// Query logs the query string with the path. Default: path only, since
	// query strings often carry tokens.
	Query bool
	// Headers lists request headers to log, in a "headers" group. Values of
	// DefaultRedacted and Redact headers are replaced by errctx.Masked
	// ("[REDACTED]"), as errctx masks a secret field.
	Headers []string
	// Redact adds header names to DefaultRedacted.
	Redact []string
	// OnPanic, if set, is called after a panic has been logged and answered,
	// for example to page someone. It runs in the request's goroutine; a
	// panic inside it is logged and swallowed.
	OnPanic func(ctx context.Context, p PanicInfo)
	// StackDepth bounds the frames logged for a panic. Default:
	// DefaultStackDepth.
	StackDepth int
}

// Field bounds keep one request's records bounded whatever the client
// sends; see AccessLogConfig.
const (
	maxMethod      = 64
	maxPath        = 1024
	maxUserAgent   = 256
	maxHeaderValue = 256
	maxRemoteAddr  = 128
)

type accessLogger struct {
	logger     *slog.Logger
	level      func(ServerOutcome) slog.Level
	skip       func(skipArgs) bool // nil: skip nothing
	route      func(*http.Request) string
	query      bool
	headers    []string
	redact     map[string]bool
	onPanic    func(context.Context, PanicInfo)
	stackDepth int
}

func newAccessLogger(cfg AccessLogConfig) (*accessLogger, error) {
	if cfg.StackDepth < 0 {
		return nil, configError("AccessLogConfig.StackDepth", "is negative", "leave it 0 for the default (DefaultStackDepth, 32) or set a positive bound")
	}
	a := &accessLogger{logger: cfg.Logger, query: cfg.Query, onPanic: cfg.OnPanic, stackDepth: cfg.StackDepth,
		level: userfunc.Guard("AccessLogConfig.Level", "DefaultServerLevel", cfg.Level, DefaultServerLevel, cfg.Logger),
		route: userfunc.Guard("AccessLogConfig.Route", "PatternRoute", cfg.Route, PatternRoute, cfg.Logger)}
	if skip := cfg.Skip; skip != nil {
		a.skip = userfunc.Guard("AccessLogConfig.Skip", "no skipping", func(s skipArgs) bool { return skip(s.r, s.o) }, nil, cfg.Logger)
	}
	if a.stackDepth == 0 {
		a.stackDepth = DefaultStackDepth
	}
	a.redact = make(map[string]bool)
	for _, h := range slices.Concat(defaultRedacted[:], cfg.Redact) {
		a.redact[http.CanonicalHeaderKey(h)] = true
	}
	for _, h := range cfg.Headers {
		if h == "" {
			return nil, configError("AccessLogConfig.Headers", "holds an empty name", "remove it")
		}
		a.headers = append(a.headers, http.CanonicalHeaderKey(h))
	}
	return a, nil
}

func (a *accessLogger) loggerOrDefault() *slog.Logger {
	if a.logger != nil {
		return a.logger
	}
	return slog.Default()
}

// log writes the one record of a request, timed end. ctx carries the trace
// span but not the handler's log attributes: the request ID and the rest are
// added here explicitly, so the record is the same with any slog handler.
// p is non-nil for a panic.
func (a *accessLogger) log(ctx context.Context, end time.Time, r *http.Request, o ServerOutcome, id, rejectedID string, p *panicRecord) {
	if p == nil && a.skip != nil && a.skip(skipArgs{r, o}) {
		return
	}
	handler := a.loggerOrDefault().Handler()
	lvl := a.level(o)
	if !handler.Enabled(ctx, lvl) {
		return
	}
	var buf [20]slog.Attr
	attrs := append(buf[:0],
		slog.String("method", record.Safe(r.Method, maxMethod)),
		slog.String("path", a.path(r)),
		slog.Int("status", o.Status),
		slog.Int64("bytes", o.Bytes),
		slog.Duration("duration", o.Duration),
		slog.String("remote_addr", record.Safe(r.RemoteAddr, maxRemoteAddr)),
		slog.String("user_agent", record.Safe(userAgent(r), maxUserAgent)),
	)
	if o.Route != "" {
		attrs = append(attrs, slog.String("route", o.Route))
	}
	if id != "" {
		attrs = append(attrs, slog.String("request_id", id))
	}
	if o.ClientGone {
		attrs = append(attrs, slog.Bool("client_gone", true))
	}
	if o.Hijacked {
		attrs = append(attrs, slog.Bool("hijacked", true))
	}
	if o.Aborted {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	if rejectedID != "" {
		attrs = append(attrs, record.RejectedID(rejectedID))
	}
	if len(a.headers) > 0 {
		attrs = append(attrs, a.headerGroup(r))
	}
	msg := "request"
	switch {
	case p != nil:
		msg = "request panicked"
		attrs = panics.AppendAttrs(attrs, p.attempted, p.value, p.stack, panicRemedy)
	case o.WriteError != nil:
		attrs = append(attrs, slog.String("attempted", "write the response body"),
			slog.String("error", o.WriteError.Error()), slog.String("remedy", writeErrorRemedy))
	}
	record.Emit(ctx, handler, end, lvl, msg, attrs)
}

// skipArgs are the arguments of AccessLogConfig.Skip, in one value.
type skipArgs struct {
	r *http.Request
	o ServerOutcome
}

// writeErrorRemedy is the remedy logged with ServerOutcome.WriteError.
const writeErrorRemedy = "the handler wrote a body its status does not allow (1xx, 204, 304) or more bytes than its Content-Length; net/http dropped them: fix the handler"

// userAgent is r.UserAgent() without canonicalizing the header name per
// request.
func userAgent(r *http.Request) string {
	if v := r.Header["User-Agent"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (a *accessLogger) path(r *http.Request) string {
	p := r.URL.Path
	if a.query && r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	return record.Safe(p, maxPath)
}

func (a *accessLogger) headerGroup(r *http.Request) slog.Attr {
	attrs := make([]slog.Attr, 0, len(a.headers))
	for _, name := range a.headers {
		v := r.Header[name]
		if len(v) == 0 {
			continue
		}
		val := errctx.Masked
		if !a.redact[name] {
			val = record.Safe(strings.Join(v, ", "), maxHeaderValue)
		}
		attrs = append(attrs, slog.String(name, val))
	}
	return slog.Attr{Key: "headers", Value: slog.GroupValue(attrs...)}
}
