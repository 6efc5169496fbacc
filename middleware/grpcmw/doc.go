// Package grpcmw provides gRPC server and client interceptors, unary and
// streaming, that give every call a request ID, one log record, stats, panic
// recovery and, on the client, a circuit breaker: the gRPC counterpart of
// package middleware.
//
// On the server, [ServerInterceptor] takes the request ID from the metadata
// key x-request-id when [reqid.Valid] accepts it (and the trust policy
// allows), else makes a new one; echoes it in the response header metadata;
// puts it in the handler's context with reqid.With, and the method with
// log.With, so every record the handler logs carries them. After the call it
// logs one record (method, code, duration, peer, request ID; level by code)
// and counts grpc.server.*. A panic becomes codes.Internal whose message
// carries only the request ID, plus one error record with the panic value, a
// bounded stack and a remedy; the server keeps serving.
//
// What a client controls is bounded and escaped in the records: the method
// to 256 bytes and the peer to 128, either as sent or, when longer or
// holding a control (C0, C1), bidi or invalid UTF-8 character, quoted as
// strconv.QuoteToASCII quotes it and cut inside the quotes; an invalid
// inbound request ID is only described (length and an escaped prefix).
//
// On the client, [ClientInterceptor] sends the context's request ID (when
// valid), ends a unary call after ClientConfig.Timeout (30 s) or at the
// caller's deadline, whichever is sooner, logs and counts each call
// (grpc.client.*), and sends it through a breaker per target (or per method) where Unavailable, DeadlineExceeded,
// ResourceExhausted and Internal are failures and other codes are answers.
// Errors keep their gRPC status (status.Code works as before) and wrap an
// errctx error saying what was attempted, the failure class and a remedy.
// Calls are known by their dial target ("dns:///payments.internal:50051")
// unless ClientConfig.TargetName gives the service a short name
// ("payments") for the stats, the breaker, the records and the errors; the
// records then carry the dial target as dial_target.
//
// For an HTTP front that calls gRPC back ends, [HTTPStatus] and
// [HTTPStatusOf] give the HTTP status of a gRPC code or error, as
// grpc-gateway maps them.
//
// The smallest complete use:
//
//	srv, err := grpcmw.NewServerInterceptor(grpcmw.ServerConfig{Logger: logger})
//	if err != nil {
//		return err
//	}
//	s := grpc.NewServer(srv.ServerOptions()...)
//
//	cli, err := grpcmw.NewClientInterceptor(grpcmw.ClientConfig{Logger: logger})
//	if err != nil {
//		return err
//	}
//	conn, err := grpc.NewClient(target, append(cli.DialOptions(),
//		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
//
// # Names
//
// This package and package middleware share one vocabulary: the same
// concept has the same name on both sides, and its HTTP and gRPC names
// differ only where the protocols do (a header and a metadata key, a host
// and a target).
//
//	concept                  middleware (HTTP)                    grpcmw (gRPC)
//	server, one constructor  New(next, ServerConfig)              NewServerInterceptor(ServerConfig)
//	client, one constructor  NewTransport(base, ClientConfig)     NewClientInterceptor(ClientConfig)
//	                         returns *Transport                   returns *ClientInterceptor
//	what happened            ServerOutcome, ClientOutcome         ServerOutcome, ClientOutcome
//	server's options         ServerConfig.AccessLog.Logger,       ServerConfig.Logger,
//	  (see the rule below)     .AccessLog.Level, .Stats.Emitter     .Level, .Stats
//	client's options         ClientConfig.Logger, .Level, .Stats  ClientConfig.Logger, .Level, .Stats
//	default record levels    DefaultServerLevel,                  DefaultServerLevel,
//	                           DefaultClientLevel                   DefaultClientLevel
//	skip succeeded calls     SkipSucceeded(paths...)              SkipSucceeded(methods...)
//	tracing                  Trace bool, TraceOptions             Trace bool, TraceOptions
//	breakers shared by       Breaker BreakerScope:                Breaker BreakerScope:
//	                           PerHost, NoBreaker                   PerTarget, PerMethod, NoBreaker
//	breaker configuration    BreakerConfig func(host)             BreakerConfig func(name)
//	client gave up (499)     StatusClientClosedRequest            StatusClientClosedRequest
//	default client timeout   DefaultClientTimeout (30 s)          DefaultClientTimeout (30 s)
//	request-ID carrier       RequestIDConfig.Header,              ServerConfig.RequestIDKey,
//	                           ClientConfig.RequestIDHeader         ClientConfig.RequestIDKey
//	                           (DefaultRequestIDHeader)             (DefaultRequestIDKey)
//	whose IDs are trusted    Trust, TrustedProxies                Trust, TrustedProxies
//	panics                   OnPanic func(ctx, PanicInfo),        OnPanic func(ctx, PanicInfo),
//	                           StackDepth (DefaultStackDepth)       StackDepth (DefaultStackDepth)
//	bounded tags             MaxRoutes, MaxHosts                  MaxMethods
//	                           (DefaultMaxRoutes, DefaultMaxHosts)  (DefaultMaxMethods)
//	tag past the bound       OtherRoute, OtherHost                OtherMethod, OtherTarget
//	stat names               StatServer..., StatClient...         StatServer..., StatClient...
//	masked value             errctx.Masked, "[REDACTED]"          (no metadata is logged)
//
// The rules behind it: a constructor is New..., takes one ...Config whose
// zero value means the documented defaults, and returns an errctx error
// naming the field it refuses; each thing has one constructor; a default
// is an exported constant Default...; a tag shared past a bound is
// Other...; a masked value reads as errctx masks a secret field. The HTTP
// server alone is made of pieces that are also usable on their own
// (RequestID, AccessLog, Stats in package middleware), each with its own
// ...Config: its ServerConfig holds those under the piece's name, so its
// logger, levels and emitter sit one level down; the gRPC server and the
// clients are one piece each, with their options flat.
//
// # Functions you supply
//
// Level, Skip, IsFailure, BreakerConfig and OnPanic are treated as in
// package middleware (see its "Functions you supply"): one that panics
// never breaks the call, its default answers instead and the panic is
// logged, the first and then at each power of two; an OnPanic hook's
// panics are logged each time.
//
// # Errors of the client
//
// An error returned by the client interceptors keeps the call's gRPC status
// and wraps an errctx error, which wraps the original error:
//
//   - status.Code, status.FromError and status.Convert return the status the
//     server sent (or gRPC made), message included;
//   - errors.Is(err, original) and errors.As reach the original error, and
//     errors.As(err, &e) with e an *errctx.Error the added layer;
//   - errctx.ClassOf gives the class of the code (see [ClassOf]), and
//     errctx.AttemptedOf and errctx.RemediesOf say "call /pkg.Svc/Method at
//     target" and what to do, so package retry and logs need nothing else;
//   - a call refused by an open breaker (never sent) is codes.Unavailable
//     with the rejection's text, errors.Is(err, breaker.ErrOpen) is true,
//     and errctx.ClassOf and errctx.RetryAfterOf give Transient and the time
//     until the breaker lets a probe through;
//   - a call the server shed (Unavailable or ResourceExhausted with a
//     google.rpc.RetryInfo, gRPC's 503 with Retry-After) is Transient, and
//     errctx.RetryAfterOf gives the server's delay (the longest Duration
//     for one past it; none for a negative or invalid one);
//   - a call refused before it was sent, by its caller's doing (see
//     [CodeUnsent]), is codes.InvalidArgument and Permanent for outgoing
//     metadata gRPC would refuse to send (gRPC itself would answer
//     Internal, which a breaker counts), or Canceled or DeadlineExceeded
//     for a caller's context already over.
//
// A caller's mistake is not the target's failure, here and in package
// middleware alike: a call its caller cancelled is logged at Info (class
// NotAFailure), a call refused before it was sent at Warn; neither counts
// against the target's breaker.
//
// What does not work: an error crosses a process boundary as its status
// only. A server handler that returns it sends the status it keeps (the
// downstream's code and message, or Unavailable and the rejection's text);
// the remote client sees neither breaker.ErrOpen nor the errctx layers nor
// the Retry-After.
//
// # Tracing
//
// With ServerConfig.Trace (ClientConfig.Trace) the options include otelgrpc's
// stats handler. A stats handler always runs outside the interceptors, so on
// the server the span is in the context before the interceptor logs: every
// record carries trace_id and span_id. On the client the interceptor runs
// before otelgrpc makes the call's span, so its record carries the caller's
// trace (same trace_id, the caller's span_id).
package grpcmw
