// Package middleware makes net/http services observable and their outbound
// calls safe: request IDs, one log record per request, panic recovery, statsd
// stats and tracing on the server side; request-ID propagation, logs, stats,
// a per-host circuit breaker and a timeout on the client side.
//
// The server stack is one call, [New]; each piece is also usable alone
// ([RequestID], [AccessLog] with its panic recovery, [Stats], [Trace]);
// [Routed] around the mux keeps the route visible through inner middleware
// that replace the request (New(auth(Routed(mux)), cfg)):
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /users/{id}", getUser)
//	h, err := middleware.New(mux, middleware.ServerConfig{})
//	if err != nil {
//		return err
//	}
//	return http.ListenAndServe(":8080", h)
//
// Every request then gets a request ID (the inbound X-Request-ID when
// [reqid.Valid] accepts it and the [Trust] policy allows, else a new one),
// echoed in the response and carried by the context, so every record the
// handler logs through a vitals logger (log.New) carries request_id, method
// and route. After the response, one record says what happened: method,
// route, path, status, bytes, duration (nanoseconds in JSON), remote_addr,
// user_agent, request_id and the trace IDs; client_gone when the client left
// first. A panic becomes a 500 whose body carries only the request ID and a single
// error record with the panic, a bounded stack and the remedy.
//
// The client side is an http.RoundTripper:
//
//	transport, err := middleware.NewTransport(nil, middleware.ClientConfig{})
//	if err != nil {
//		return err
//	}
//	client := &http.Client{Transport: transport}
//	resp, err := client.Do(req.WithContext(ctx)) // ctx from the inbound request
//
// Errors it returns are errctx errors: what was attempted ("GET host/path"),
// the failure class (a timeout is indeterminate) and a remedy; an open
// breaker's rejection wraps breaker.ErrOpen. Each call is bounded by
// ClientConfig.Timeout or the caller's deadline, whichever ends sooner.
//
// A caller's mistake is not the host's failure, here and in
// middleware/grpcmw alike: a call its caller cancelled is logged at Info
// (class NotAFailure), and a call refused before it was sent (a request
// net/http would refuse, such as a header value with a line break, or a
// caller's context already over) at Warn, as Permanent when the request is
// invalid; neither counts against the host's breaker.
//
// http.Client wraps the transport's error in a *url.Error, whose text
// repeats the URL and which slog logs as that flat string. errors.Is,
// errors.As and the errctx accessors (errctx.ClassOf, RemediesOf, ...) see
// through it; to log the structured rendering (message, attempted, remedy,
// class, fields as one group), log the *errctx.Error inside:
//
//	resp, err := client.Do(req)
//	if err != nil {
//		var e *errctx.Error
//		if errors.As(err, &e) {
//			err = e // drops only url.Error's "Get \"http://...\": " prefix
//		}
//		logger.ErrorContext(ctx, "fetch stock failed", "error", err)
//	}
//
// # Names
//
// This package and middleware/grpcmw share one vocabulary: the same
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
// # Levels
//
// One rule picks the level of every record, server and client, here and
// in middleware/grpcmw ([DefaultServerLevel], [DefaultClientLevel]):
//
//	server record                   HTTP                        gRPC                              level
//	the server failed               a panic, a 5xx              a panic, Unknown, Internal,       Error
//	                                                            DataLoss, Unavailable
//	the server shed the request     503 or 429 with             Unavailable or ResourceExhausted  Warn
//	  and said when to retry        Retry-After                 wrapping breaker.ErrOpen, or
//	                                                            with a RetryInfo detail
//	refused or cut short            4xx, an aborted response,   the other codes (a deadline...)   Warn
//	                                a refused write
//	the client went away            client_gone (499)           Canceled                          Info
//	answered                        1xx-3xx                     OK                                Info
//
//	client record (ClientOutcome)   HTTP                        gRPC                              level
//	cancelled by its caller         Cancelled                   Cancelled                         Info
//	rejected by an open breaker     Rejected                    Rejected                          Debug
//	refused before sending          Unsent                      Unsent                            Warn
//	no answer                       a transport error, a        Unavailable (no RetryInfo),       Error
//	                                timeout, the deadline       DeadlineExceeded
//	the downstream failed or        5xx, 429                    Internal, Unknown, DataLoss,      Warn
//	  pushed back                                               ResourceExhausted, Unimplemented,
//	                                                            Unavailable with a RetryInfo
//	answered                        other statuses (a 404)      other codes (NotFound)            Info
//
// The reasons: a rejection by an open breaker is announced once by the
// breaker's own transition record at Warn, so a record per rejected call
// would only flood; a server that sheds load did what it was built to do,
// and the cause (the breaker's transition) is logged where it happened; a
// caller's cancellation is its own decision, neither side's failure. To
// shed from a handler, answer 503 with Retry-After, as ResponseError reads
// it on the client side.
//
// # Log keys
//
// Durations are logged under "duration" as a slog.Duration, here and in
// middleware/grpcmw: integer nanoseconds in JSON (exact; the statsd timings
// carry the same value), "1.5ms" in slog's text format. There is no
// duration_ms: a float costs every record an allocation and about a quarter
// of its encoding time (slog writes floats through encoding/json), for a
// division a dashboard or a ReplaceAttr can do.
//
// Stats: http.server.requests and http.server.duration by route and status
// class, http.server.in_flight; http.client.requests and
// http.client.duration by host and status class (and client, when
// ClientConfig.Name is set). Stats are never tagged with
// raw paths.
//
// # Functions you supply
//
// The functions a config takes (AccessLogConfig.Level, Skip, Route,
// OnPanic; StatsConfig.Route; ClientConfig.Level, BreakerConfig; and in
// middleware/grpcmw Level, Skip, IsFailure, BreakerConfig, OnPanic) run
// in the request's or the call's goroutine. One that panics never
// crashes the request: its default answers instead (DefaultServerLevel,
// no skipping, PatternRoute, DefaultClientLevel, the breaker package's
// defaults, DefaultIsFailure), and the panic is logged at Error to the
// config's logger, the first one and then the 2nd, 4th, 8th..., each
// with the count so far. An OnPanic hook has no default (the request was
// already answered): each of its panics is logged. None is called with a lock held: a BreakerConfig
// that blocks holds up the calls to its own host (or target) only. A
// Level, Skip, Route or IsFailure that blocks holds up its own request,
// as any code in the handler would.
//
// gRPC interceptors live in the sub-package middleware/grpcmw.
package middleware
