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
//	h, err := middleware.New(mux, middleware.Config{})
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
//	client := &http.Client{Transport: middleware.Transport(nil, middleware.TransportOptions{})}
//	resp, err := client.Do(req.WithContext(ctx)) // ctx from the inbound request
//
// Errors it returns are errctx errors: what was attempted ("GET host/path"),
// the failure class (a timeout is indeterminate) and a remedy; an open
// breaker's rejection wraps breaker.ErrOpen. Each call is bounded by
// TransportOptions.Timeout or the caller's deadline, whichever ends sooner.
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
// TransportOptions.Name is set). Stats are never tagged with
// raw paths.
//
// gRPC interceptors live in the sub-package middleware/grpcmw.
package middleware
