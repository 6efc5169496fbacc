package grpcmw

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/record"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/middleware/internal/deadline"
	"github.com/vitals-go/vitals/middleware/internal/downstream"
	"github.com/vitals-go/vitals/middleware/internal/keycache"
	"github.com/vitals-go/vitals/middleware/internal/level"
	"github.com/vitals-go/vitals/middleware/internal/userfunc"
	"github.com/vitals-go/vitals/stats"
)

// DefaultClientTimeout bounds each unary call when ClientConfig.Timeout is
// zero, as package middleware does for HTTP calls; a caller's sooner
// deadline still wins. It is middleware.DefaultClientTimeout.
const DefaultClientTimeout = middleware.DefaultClientTimeout

// OtherTarget is the target tag (and breaker) shared once 1000 distinct
// targets have been seen.
const OtherTarget = "other"

// maxTargets bounds the distinct targets given their own breakers and tags.
const maxTargets = 1000

// BreakerScope says which outbound calls share a breaker.
type BreakerScope uint8

const (
	// PerTarget gives each target (ClientConfig.TargetName, or else the
	// string given to grpc.NewClient) one breaker for all its methods. It
	// is the default: Unavailable, DeadlineExceeded and ResourceExhausted
	// mostly say that the server is down or overloaded, whatever the
	// method.
	PerTarget BreakerScope = iota
	// PerMethod gives each method of each target its own breaker, for a
	// server whose methods fail independently (one slow method must not
	// fence off the others).
	PerMethod
	// NoBreaker sends every call.
	NoBreaker
)

// String returns "per_target", "per_method" or "none".
func (s BreakerScope) String() string {
	switch s {
	case PerTarget:
		return "per_target"
	case PerMethod:
		return "per_method"
	case NoBreaker:
		return "none"
	}
	return "invalid"
}

// ClientConfig configures [NewClientInterceptor]. The zero value sends the
// context's request ID as x-request-id, logs every call to slog.Default() at
// [DefaultClientLevel], counts to stats.Default(), ends unary calls after
// 30 s (or at the caller's deadline, if sooner), and gives each target a
// breaker with the breaker package's defaults (5 consecutive failures, 30 s
// open), the target being the string given to grpc.NewClient unless
// TargetName is set.
type ClientConfig struct {
	// TargetName, when set, is the stable short name of the service the
	// interceptor calls, such as "payments", used instead of the dial
	// target (the string given to grpc.NewClient, such as
	// "dns:///payments.internal:50051") wherever a call names its
	// target: the stats tag target, the breaker's name (so its series are
	// breaker.payments.*; under PerMethod the breaker of a method is
	// "payments/pkg.Service/Method"), ClientOutcome.Target, the record's
	// target and the errors' attempted text ("call /pkg.Service/Method at
	// payments"). The dial target is not lost: the record carries it as
	// dial_target, ClientOutcome as DialTarget, and errors as the errctx
	// field dial_target, and the remedy for Unavailable names it.
	//
	// Every connection the interceptor is installed on is then that one
	// service: they share its breaker and its stats series, whatever they
	// dial (replicas of one service may). Build one interceptor per
	// service. With PerTarget, NewClientInterceptor builds the breaker at
	// once and returns the error of an invalid BreakerConfig.
	//
	// It must be 1 to 64 of the characters a-z, 0-9, '-' and '_', so that
	// the name reads the same in every sink: a Graphite path would lower
	// upper-case letters and turn any other character, '.' included,
	// into '_'. Anything else is refused, not rewritten. Default: the dial
	// target names the call, and each dial target has its own breaker and
	// tags.
	TargetName string

	// Logger receives one record per call. Default: slog.Default() at each
	// call.
	Logger *slog.Logger
	// Level picks the record level. Default: DefaultClientLevel.
	Level func(ClientOutcome) slog.Level
	// Stats receives StatClientRequests and StatClientDuration, and is the
	// breakers' default emitter. Default: stats.Default() when the
	// interceptor is built.
	Stats stats.Emitter
	// MaxMethods bounds the distinct method tags per target; later methods
	// are tagged OtherMethod. Default: DefaultMaxMethods.
	MaxMethods int

	// RequestIDKey is the metadata key carrying the context's request ID
	// (when reqid.Valid accepts it). Default: DefaultRequestIDKey. A valid
	// value the caller put in the outgoing metadata is left alone; an
	// invalid one is replaced by the context's ID, or dropped, so that a bad
	// ID never makes the call fail.
	RequestIDKey string

	// Timeout bounds each unary call, as ClientConfig.Timeout does in
	// package middleware: when the caller's context has a deadline too,
	// the sooner of the two ends the call. A caller's long deadline (a
	// batch job's hour) does not lift the per-call bound, and a caller's
	// shorter one is not extended: no deadline of our own is made then.
	// The error says which one ran out; either way its code is
	// DeadlineExceeded and its class Indeterminate. Streams get none: they
	// may rightly last for hours. Default: DefaultClientTimeout; negative:
	// no deadline of our own, the caller's only. A deadline costs gRPC a
	// grpc-timeout header and a timer on each side and, for a caller's
	// context that could not be cancelled before (context.Background()), a
	// goroutine watching the call.
	Timeout time.Duration

	// Breaker says which calls share a breaker. Default: PerTarget.
	Breaker BreakerScope
	// BreakerConfig returns the configuration of the breaker called name:
	// the target (TargetName, or else the dial target), or under PerMethod
	// the target and the full method ("localhost:50051/pkg.Service/Method",
	// "payments/pkg.Service/Method"). Default: the breaker
	// package's defaults, with that name. Its Classify is not used: the
	// outcome of a call is IsFailure of its code.
	BreakerConfig func(name string) breaker.Config
	// IsFailure says which codes count against the breaker. Default:
	// DefaultIsFailure. Whatever it says, a call its caller cancelled does
	// not count.
	IsFailure func(codes.Code) bool

	// Trace adds otelgrpc's client stats handler to DialOptions. Default:
	// no tracing.
	Trace bool
	// TraceOptions are passed to otelgrpc.NewClientHandler when Trace is set.
	TraceOptions []otelgrpc.Option
}

// ClientOutcome is what happened to one outbound call, for
// ClientConfig.Level.
type ClientOutcome struct {
	Target     string     // ClientConfig.TargetName, or else DialTarget
	DialTarget string     // the string given to grpc.NewClient
	Method     string     // the full method, "/package.Service/Method"
	Code       codes.Code // the code returned to the caller
	Rejected   bool       // an open breaker refused the call: it was not sent (Code is Unavailable)
	// Unsent: the call was refused before it was sent, by the caller's
	// doing (see CodeUnsent). The breaker never sees it.
	Unsent bool
	// Cancelled: the caller cancelled the call (its context was
	// cancelled, before or during it). Neither a failure of the target
	// nor of ours.
	Cancelled bool
	// Shed: the server declined the call for now and said when to retry
	// (Unavailable or ResourceExhausted with a google.rpc.RetryInfo): an
	// answer that pushes back, not a call that got no answer.
	Shed     bool
	Err      error // the error returned to the caller, if any
	Duration time.Duration
	Stream   bool
}

// DefaultIsFailure is the default ClientConfig.IsFailure: Unavailable,
// DeadlineExceeded, ResourceExhausted and Internal are failures of the
// server; every other code is an answer (NotFound is a business outcome,
// InvalidArgument the caller's mistake).
func DefaultIsFailure(c codes.Code) bool {
	switch c {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Internal:
		return true
	}
	return false
}

// DefaultClientLevel is the default ClientConfig.Level, by the table of
// package middleware's "Levels": Info for a call its caller cancelled (the
// caller decided, nothing failed); Debug for a call an open breaker
// refused (the breaker's Warn announced it when it opened); Warn for a
// call refused before sending (the caller's mistake); Error when no
// answer came back (Unavailable without a retry delay, DeadlineExceeded);
// Warn for codes that say the server failed or pushed back (Internal,
// Unknown, DataLoss, ResourceExhausted, Unimplemented, a shed
// Unavailable); Info otherwise: a NotFound from a lookup is an answer, not
// a failure.
func DefaultClientLevel(o ClientOutcome) slog.Level {
	return level.Called(level.Call{Cancelled: o.Cancelled, Rejected: o.Rejected, Unsent: o.Unsent,
		NoAnswer:         o.Code == codes.Unavailable && !o.Shed || o.Code == codes.DeadlineExceeded,
		DownstreamFailed: o.Shed || o.Code == codes.ResourceExhausted || o.Code == codes.Unimplemented || isServerFault(o.Code)})
}

// ClientInterceptor holds the unary and stream client interceptors built by
// [NewClientInterceptor]. Its methods Unary and Stream are the interceptors
// themselves (grpc.WithChainUnaryInterceptor(c.Unary)).
type ClientInterceptor struct {
	logger     *slog.Logger
	level      func(ClientOutcome) slog.Level
	emitter    stats.Emitter
	maxMethods int
	key        string
	timeout    time.Duration
	scope      BreakerScope
	breakerOf  func(string) breaker.Config
	isFailure  func(codes.Code) bool
	trace      []otelgrpc.Option // nil: no tracing
	targets    *keycache.Cache[string, target]
	// named is the one target of every call when ClientConfig.TargetName
	// is set, looked up once; nil otherwise.
	named *target
}

// target is the state of one target: its breaker (PerTarget) and methods.
type target struct {
	name    string
	breaker *breaker.Breaker
	err     error // why the breaker could not be built
	methods *keycache.Cache[string, clientMethod]
}

// clientMethod is the state of one method of a target: its stats and, under
// PerMethod, its breaker.
type clientMethod struct {
	breaker *breaker.Breaker
	err     error
	series
}

// NewClientInterceptor returns the client interceptors configured by cfg,
// or an errctx error naming the first invalid field.
func NewClientInterceptor(cfg ClientConfig) (*ClientInterceptor, error) {
	switch {
	case cfg.MaxMethods < 0:
		return nil, configError("ClientConfig.MaxMethods", "is negative", "leave it 0 for the default (1000) or set a positive bound")
	case cfg.Breaker > NoBreaker:
		return nil, configError("ClientConfig.Breaker", "is not PerTarget, PerMethod or NoBreaker", "use one of the BreakerScope constants")
	}
	if err := downstream.CheckName("grpcmw", "ClientConfig.TargetName", cfg.TargetName); err != nil {
		return nil, err
	}
	c := &ClientInterceptor{logger: cfg.Logger, emitter: cfg.Stats,
		maxMethods: cmp.Or(cfg.MaxMethods, DefaultMaxMethods), key: DefaultRequestIDKey,
		timeout: cfg.Timeout, scope: cfg.Breaker,
		level:     userfunc.Guard("ClientConfig.Level", "DefaultClientLevel", cfg.Level, DefaultClientLevel, cfg.Logger),
		breakerOf: userfunc.Guard("ClientConfig.BreakerConfig", "the breaker package's defaults", cfg.BreakerConfig, nil, cfg.Logger),
		isFailure: userfunc.Guard("ClientConfig.IsFailure", "DefaultIsFailure", cfg.IsFailure, DefaultIsFailure, cfg.Logger)}
	if cfg.RequestIDKey != "" {
		c.key = strings.ToLower(cfg.RequestIDKey)
	}
	if err := checkKey("ClientConfig.RequestIDKey", c.key); err != nil {
		return nil, err
	}
	if c.emitter == nil {
		c.emitter = stats.Default()
	}
	c.timeout = deadline.Timeout(c.timeout, DefaultClientTimeout)
	if cfg.Trace {
		c.trace = append([]otelgrpc.Option{}, cfg.TraceOptions...)
	}
	c.targets = keycache.New(maxTargets, OtherTarget, c.newTarget)
	if cfg.TargetName != "" {
		c.named = c.newTarget(cfg.TargetName)
		if c.named.err != nil {
			return nil, c.named.err
		}
	}
	return c, nil
}

func (c *ClientInterceptor) newTarget(name string) *target {
	t := &target{name: name}
	if c.scope == PerTarget {
		t.breaker, t.err = c.newBreaker(name)
	}
	t.methods = keycache.New(c.maxMethods, OtherMethod, func(m string) *clientMethod {
		cm := &clientMethod{series: series{emitter: c.emitter, counter: StatClientRequests, timing: StatClientDuration,
			tags: []stats.Tag{stats.T("target", name), stats.T("method", m)}}}
		if c.scope == PerMethod {
			cm.breaker, cm.err = c.newBreaker(name + m)
		} else {
			cm.breaker, cm.err = t.breaker, t.err // the target's: nil under NoBreaker
		}
		return cm
	})
	return t
}

func (c *ClientInterceptor) newBreaker(name string) (*breaker.Breaker, error) {
	return downstream.NewBreaker(c.breakerOf, name, name, c.emitter, c.logger, "ClientConfig.BreakerConfig")
}

// DialOptions returns the options that install the interceptors (chained,
// so they compose with others) and, with ClientConfig.Trace, otelgrpc's
// stats handler.
func (c *ClientInterceptor) DialOptions() []grpc.DialOption {
	opts := []grpc.DialOption{grpc.WithChainUnaryInterceptor(c.Unary), grpc.WithChainStreamInterceptor(c.Stream)}
	if c.trace != nil {
		opts = append(opts, grpc.WithStatsHandler(otelgrpc.NewClientHandler(c.trace...)))
	}
	return opts
}

// Breaker returns the breaker of calls to method at target (the string given
// to grpc.NewClient), creating it if needed; under PerTarget method is
// ignored. With ClientConfig.TargetName set, every connection is that one
// target, so target is ignored too (pass the name or the dial target). It
// is nil under NoBreaker. Use it to inspect or register the breakers, or to
// force one open.
func (c *ClientInterceptor) Breaker(target, method string) *breaker.Breaker {
	t := c.named
	if t == nil {
		t = c.targets.Get(target)
	}
	if c.scope == PerTarget {
		return t.breaker
	}
	return t.methods.Get(method).breaker
}

// outbound is one call being made.
type outbound struct {
	start   time.Time
	ctx     context.Context // the caller's
	callCtx context.Context // the caller's with the request ID to send
	unsent  bool            // refused before sending
	target  string          // ClientConfig.TargetName, or else dial
	dial    string          // the dial target, cc.Target()
	named   bool            // target is ClientConfig.TargetName
	method  string
	m       *clientMethod
	ticket  breaker.Ticket
	stream  bool
	// timeout is the per-call bound of a unary call when it is sooner than
	// the caller's deadline (a deadline of our own was made); 0 otherwise.
	timeout time.Duration
}

// begin looks up the call's state, makes the context to send it with
// (o.callCtx) and asks its breaker. The error, when not nil, is returned
// to the caller as is: the call was refused before sending (see
// CodeUnsent), the breaker rejected it (Unavailable), or could not be
// built (Internal).
func (c *ClientInterceptor) begin(ctx context.Context, cc *grpc.ClientConn, method string, o *outbound) error {
	o.start, o.ctx, o.method = time.Now(), ctx, method
	o.dial = cc.Target()
	t := c.named
	if t != nil {
		o.target, o.named = t.name, true
	} else {
		o.target = o.dial
		t = c.targets.Get(o.dial)
	}
	o.m = t.methods.Get(method)
	if o.m.err != nil {
		return &statusError{st: status.New(codes.Internal, o.m.err.Error()), err: o.m.err}
	}
	var why string
	if o.callCtx, why = outgoing(ctx, c.key); why != "" || ctx.Err() != nil {
		o.unsent = true
		err := o.unsentError(why, "fix the call's outgoing metadata", ctx.Err())
		c.finish(o, slotUnsent, err)
		return err
	}
	if o.m.breaker == nil {
		return nil
	}
	tk, err := o.m.breaker.Allow(ctx)
	if err != nil {
		err = &statusError{st: status.New(codes.Unavailable, err.Error()), err: errctx.Wrap(err, o.attempted(), o.fields())}
		c.finish(o, slotRejected, err)
		return err
	}
	o.ticket = tk
	return nil
}

// slotRejected is the stats slot of CodeRejected.
const slotRejected = numCodes

// Unary is the unary client interceptor.
func (c *ClientInterceptor) Unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	var o outbound
	if err := c.begin(ctx, cc, method, &o); err != nil {
		return err
	}
	callCtx := o.callCtx
	if end, ok := deadline.Needed(callCtx, o.start, c.timeout); ok { // the per-call timeout is sooner than the caller's deadline
		d := new(deadline.Call)
		d.Start(callCtx, end)
		defer d.Stop()
		callCtx = d
		o.timeout = c.timeout
	}
	err := invoker(callCtx, method, req, reply, cc, opts...)
	if why := sendRefusal(err, req, opts); why != "" {
		// Never sent: the caller's mistake, not the target's failure.
		o.unsent = true
		o.ticket.Record(breaker.Ignore, err)
		err = o.unsentError(why, "fix the request message", nil)
		c.finish(&o, slotUnsent, err)
		return err
	}
	return c.end(&o, err)
}

// Stream is the stream client interceptor. The call is logged, counted and
// reported to the breaker when the stream ends: RecvMsg returns io.EOF or an
// error, SendMsg an error other than io.EOF, or the caller's context ends.
func (c *ClientInterceptor) Stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	o := outbound{stream: true}
	if err := c.begin(ctx, cc, method, &o); err != nil {
		return nil, err
	}
	cs, err := streamer(o.callCtx, desc, cc, method, opts...)
	if err != nil {
		return nil, c.end(&o, err)
	}
	w := &clientStream{ClientStream: cs, c: c, o: o, unary: !desc.ServerStreams}
	w.stop = context.AfterFunc(ctx, func() { w.finish(ctx.Err()) })
	return w, nil
}

// end reports, counts and logs a finished call, and returns the error for
// the caller: nil, or err wrapped with what was attempted.
func (c *ClientInterceptor) end(o *outbound, err error) error {
	if err == nil {
		o.ticket.Done(nil)
		c.finish(o, int(codes.OK), nil)
		return nil
	}
	st := statusOf(err)
	switch {
	case o.ctx.Err() == context.Canceled:
		o.ticket.Record(breaker.Ignore, err)
	case c.isFailure(st.Code()):
		o.ticket.Record(breaker.Failure, err)
	default:
		o.ticket.Record(breaker.Success, err)
	}
	err = callError(o, err, st)
	c.finish(o, codeSlot(st.Code()), err)
	return err
}

// finish counts and logs one call. The record is logged with the caller's
// context: the vitals log handler adds its request ID, trace IDs and log.With
// fields.
func (c *ClientInterceptor) finish(o *outbound, slot int, err error) {
	d := time.Since(o.start)
	if o.unsent || slot == slotRejected {
		o.m.count(slot)
	} else {
		o.m.record(slot, d)
	}

	logger := c.logger
	if logger == nil {
		logger = slog.Default()
	}
	out := ClientOutcome{Target: o.target, DialTarget: o.dial, Method: o.method, Code: codes.OK,
		Rejected: slot == slotRejected, Unsent: o.unsent, Cancelled: err != nil && o.ctx.Err() == context.Canceled,
		Err: err, Duration: d, Stream: o.stream}
	out.Shed = !out.Rejected && shed(err)
	if err != nil {
		out.Code = status.Code(err)
	}
	lvl := c.level(out)
	h := logger.Handler()
	if !h.Enabled(o.ctx, lvl) {
		return
	}
	var buf [10]slog.Attr
	attrs := append(buf[:0],
		slog.String("method", o.method),
		slog.String("target", o.target),
	)
	if o.named {
		attrs = append(attrs, slog.String("dial_target", o.dial))
	}
	attrs = append(attrs,
		slog.String("code", codeName(slot)),
		slog.Duration("duration", d),
	)
	if o.stream {
		attrs = append(attrs, slog.Bool("stream", true))
	}
	if err != nil {
		attrs = append(attrs, slog.String("attempted", o.attempted()), slog.Any("error", err))
		if r := errctx.RemediesOf(err); len(r) > 0 {
			attrs = append(attrs, slog.String("remedy", r[0]))
		}
	}
	record.Emit(o.ctx, h, o.start.Add(d), lvl, "outbound request", attrs)
}

// attempted names a call the way errors and records do.
func (o *outbound) attempted() string {
	return "call " + o.method + " at " + o.target
}

// fields is the errctx option adding the dial target to an error of a call
// whose target is ClientConfig.TargetName; an empty option otherwise.
func (o *outbound) fields() errctx.Option {
	if !o.named {
		return errctx.Option{}
	}
	return errctx.Fields("dial_target", o.dial)
}

// clientStream reports the end of a stream once.
type clientStream struct {
	grpc.ClientStream
	c     *ClientInterceptor
	o     outbound
	unary bool // the server sends one message (client streaming)
	stop  func() bool
	done  atomic.Bool
}

// RecvMsg implements grpc.ClientStream, noting the end of the stream.
func (s *clientStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	switch {
	case err == io.EOF:
		s.finish(nil)
	case err != nil:
		return s.finish(err)
	case s.unary:
		s.finish(nil)
	}
	return err
}

// SendMsg implements grpc.ClientStream, noting a failure that ends the
// stream. io.EOF is not one: the status comes from RecvMsg.
func (s *clientStream) SendMsg(m any) error {
	err := s.ClientStream.SendMsg(m)
	if err != nil && err != io.EOF {
		return s.finish(err)
	}
	return err
}

// finish ends the stream's call once and returns err for the caller. An
// error seen after the end (the context watcher came first) is wrapped but
// not reported again.
func (s *clientStream) finish(err error) error {
	if !s.done.CompareAndSwap(false, true) {
		if err != nil {
			return callError(&s.o, err, statusOf(err))
		}
		return nil
	}
	s.stop()
	return s.c.end(&s.o, err)
}
