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
