package grpcmw

import (
	"cmp"
	"context"
	"log/slog"
	"net/netip"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/vitals-go/vitals/internal/configerr"
	"github.com/vitals-go/vitals/internal/record"
	"github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/middleware/internal/keycache"
	"github.com/vitals-go/vitals/middleware/internal/userfunc"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

// ServerConfig configures [NewServerInterceptor]. The zero value takes a
// valid x-request-id from any client, logs one record per call to
// slog.Default() at [DefaultServerLevel], recovers panics, counts to
// stats.Default(), and adds no tracing.
type ServerConfig struct {
	// Logger receives the records. Default: slog.Default() at each call.
	// Use a logger built on the vitals log handler (log.New) so records
	// carry request_id, trace_id and span_id from the context.
	Logger *slog.Logger
	// Level picks the record level from the outcome. Default:
	// DefaultServerLevel.
	Level func(ServerOutcome) slog.Level
	// Skip, when it returns true, drops the record. It runs after the call,
	// so it can keep the failures of calls it usually skips (see
	// SkipSucceeded). Panics are always logged.
	Skip func(ServerOutcome) bool

	// Stats receives StatServerRequests, StatServerDuration and
	// StatServerInFlight. Default: stats.Default() when the interceptor is
	// built (call stats.SetDefault first).
	Stats stats.Emitter
	// MaxMethods bounds the distinct method tags; later methods are tagged
	// OtherMethod. Default: DefaultMaxMethods.
	MaxMethods int

	// RequestIDKey is the metadata key read and echoed (in the response
	// header metadata). Default: DefaultRequestIDKey.
	RequestIDKey string
	// Trust says whose inbound IDs are accepted, as in package middleware.
	// Default: middleware.TrustAny.
	Trust middleware.Trust
	// TrustedProxies are the peer addresses whose inbound IDs are accepted
	// under middleware.TrustProxies (the connection's address). Required
	// with TrustProxies.
	TrustedProxies []netip.Prefix

	// OnPanic, if set, is called after a panic has been logged and
	// answered, for example to page someone. It runs in the call's
	// goroutine; a panic inside it is logged and swallowed.
	OnPanic func(ctx context.Context, p PanicInfo)
	// StackDepth bounds the frames logged for a panic. Default:
	// DefaultStackDepth.
	StackDepth int

	// Trace adds otelgrpc's server stats handler to ServerOptions, which
	// runs outside the interceptors so that every record carries the
	// trace IDs. Default: no tracing. Records carry trace IDs only when a
	// TracerProvider is set (otel.SetTracerProvider, or
	// otelgrpc.WithTracerProvider in TraceOptions), and an inbound
	// traceparent is followed only when a propagator is set too
	// (otel.SetTextMapPropagator, or otelgrpc.WithPropagators).
	Trace bool
	// TraceOptions are passed to otelgrpc.NewServerHandler when Trace is set.
	TraceOptions []otelgrpc.Option
}

// ServerInterceptor holds the unary and stream server interceptors built by
// [NewServerInterceptor]. Its methods Unary and Stream are the interceptors
// themselves (grpc.ChainUnaryInterceptor(s.Unary)).
type ServerInterceptor struct {
	logger     *slog.Logger
	level      func(ServerOutcome) slog.Level
	skip       func(ServerOutcome) bool
	emitter    stats.Emitter
	inFlight   *stats.Gauge
	methods    *keycache.Cache[string, method]
	ids        *idPolicy
	onPanic    func(context.Context, PanicInfo)
	stackDepth int
	trace      []otelgrpc.Option // nil: no tracing
}

// method is the per-method state: its stats and its log attribute, boxed
// once so that putting it in each call's context does not allocate.
type method struct {
	name string
	attr any // slog.Attr "method"
	series
}

// NewServerInterceptor returns the server interceptors configured by cfg, or
// an errctx error naming the first invalid field.
func NewServerInterceptor(cfg ServerConfig) (*ServerInterceptor, error) {
	switch {
	case cfg.MaxMethods < 0:
		return nil, configError("ServerConfig.MaxMethods", "is negative", "leave it 0 for the default (1000) or set a positive bound")
	case cfg.StackDepth < 0:
		return nil, configError("ServerConfig.StackDepth", "is negative", "leave it 0 for the default (32) or set a positive bound")
	}
	ids, err := newIDPolicy(cfg.RequestIDKey, cfg.Trust, cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	s := &ServerInterceptor{logger: cfg.Logger, emitter: cfg.Stats, ids: ids, onPanic: cfg.OnPanic, stackDepth: cfg.StackDepth,
		level: userfunc.Guard("ServerConfig.Level", "DefaultServerLevel", cfg.Level, DefaultServerLevel, cfg.Logger),
		skip:  userfunc.Guard("ServerConfig.Skip", "no skipping", cfg.Skip, nil, cfg.Logger)}
	if s.emitter == nil {
		s.emitter = stats.Default()
	}
	if s.stackDepth == 0 {
		s.stackDepth = DefaultStackDepth
	}
	if cfg.Trace {
		s.trace = append([]otelgrpc.Option{}, cfg.TraceOptions...)
	}
	s.inFlight = s.emitter.NewGauge(StatServerInFlight)
	s.methods = keycache.New(cmp.Or(cfg.MaxMethods, DefaultMaxMethods), OtherMethod, func(name string) *method {
		return &method{name: name, attr: slog.String("method", name), series: series{emitter: s.emitter,
			counter: StatServerRequests, timing: StatServerDuration, tags: []stats.Tag{stats.T("method", name)}}}
	})
	return s, nil
}

// ServerOptions returns the options that install the interceptors (chained,
// so they compose with others) and, with ServerConfig.Trace, otelgrpc's
// stats handler.
func (s *ServerInterceptor) ServerOptions() []grpc.ServerOption {
	opts := []grpc.ServerOption{grpc.ChainUnaryInterceptor(s.Unary), grpc.ChainStreamInterceptor(s.Stream)}
	if s.trace != nil {
		opts = append(opts, grpc.StatsHandler(otelgrpc.NewServerHandler(s.trace...)))
	}
	return opts
}

// inbound is one call being served.
type inbound struct {
	start    time.Time
	method   *method
	fullName string // the method as called (see safeMethod), even past MaxMethods
	id       string
	rejected string // the invalid inbound ID, to describe
	// logCtx is the context the call came with (its trace span, if any):
	// the record names the request ID itself, since a context made per
	// call would cost the log handler work per record.
	logCtx context.Context
	hctx   context.Context // the handler's context
	stream string          // "" for unary
}

// enter resolves the call's request ID and makes the handler's context.
func (s *ServerInterceptor) enter(ctx context.Context, fullMethod string, c *inbound) {
	c.start = time.Now()
	fullMethod = safeMethod(fullMethod)
	c.method = s.methods.Get(fullMethod)
	c.fullName = fullMethod
	c.id, c.rejected = s.ids.resolve(ctx)
	c.logCtx = ctx
	s.inFlight.Add(1)
	hctx := reqid.With(ctx, c.id)
	switch {
	case c.rejected != "":
		c.hctx = log.With(hctx, "method", fullMethod, record.RejectedID(c.rejected))
	case c.method.name == fullMethod:
		c.hctx = log.With(hctx, c.method.attr)
	default:
		c.hctx = log.With(hctx, "method", fullMethod)
	}
}

// Unary is the unary server interceptor.
func (s *ServerInterceptor) Unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	var c inbound
	s.enter(ctx, info.FullMethod, &c)
	_ = grpc.SetHeader(ctx, metadata.MD{s.ids.key: []string{c.id}})
	defer func() {
		var p *panicked
		if err, p = s.outcome(&c, recover(), err); p != nil {
			resp = nil
		}
		s.exit(&c, err, p)
	}()
	return handler(c.hctx, req)
}

// Stream is the stream server interceptor.
func (s *ServerInterceptor) Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	c := inbound{stream: streamKind(info.IsClientStream, info.IsServerStream)}
	s.enter(ss.Context(), info.FullMethod, &c)
	_ = ss.SetHeader(metadata.MD{s.ids.key: []string{c.id}})
	defer func() {
		var p *panicked
		err, p = s.outcome(&c, recover(), err)
		s.exit(&c, err, p)
	}()
	return handler(srv, &serverStream{ServerStream: ss, ctx: c.hctx})
}

// panicked is a recovered panic on its way to the record.
type panicked struct {
	value any
	stack []string
}

// exit counts, logs and reports one finished call.
func (s *ServerInterceptor) exit(c *inbound, err error, p *panicked) {
	o := ServerOutcome{Method: c.fullName, Code: codeOf(err), Err: err, Duration: time.Since(c.start),
		Stream: c.stream != "", Panicked: p != nil}
	o.Shed = p == nil && shed(err)
	s.inFlight.Add(-1)
	c.method.record(codeSlot(o.Code), o.Duration)
	s.log(c, o, p)
	if p != nil {
		s.callOnPanic(c.hctx, PanicInfo{Value: p.value, Stack: p.stack, RequestID: c.id, Method: c.fullName})
	}
}

// serverStream gives the handler the context with the request ID and log
// attributes.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the handler's context.
func (w *serverStream) Context() context.Context { return w.ctx }

// streamKind names a stream for the records.
func streamKind(client, server bool) string {
	switch {
	case client && server:
		return "bidi"
	case client:
		return "client"
	case server:
		return "server"
	}
	return ""
}

// maxMethod bounds the length of a method name in records and tags.
const maxMethod = 256

// safeMethod returns a method name fit for records and stat tags. Names made
// by protoc ("/package.Service/Method") are returned as they are; anything
// else, which only a server with grpc.UnknownServiceHandler lets through to
// the interceptors, is quoted with every byte outside printable ASCII
// escaped and cut to maxMethod bytes (record.Quote), so that a client cannot
// put control or bidi characters or a megabyte of text in the logs.
func safeMethod(m string) string {
	if len(m) <= maxMethod && isCleanMethod(m) {
		return m
	}
	return record.Quote(m, maxMethod)
}

func isCleanMethod(m string) bool {
	for i := 0; i < len(m); i++ {
		c := m[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// configError is the error every constructor returns for an invalid field.
func configError(field, problem, remedy string) error {
	return configerr.New("grpcmw", field, problem, remedy)
}
