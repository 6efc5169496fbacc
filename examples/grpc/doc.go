// Command grpc is the vitals gRPC demo: an HTTP front that quotes prices by
// calling an inventory back end over gRPC, both in this process on
// loopback ports, with the vitals interceptors on both sides. Run it and read
// its output top to bottom:
//
//	go run ./examples/grpc
//
// For about 10 seconds it asks itself for quotes, then prints a summary and
// exits. Along the way it shows, as JSON lines on stderr:
//
//   - one request ID per quote, from the HTTP front's access record
//     (middleware.New) through the gRPC client's record (the x-request-id
//     metadata sent by grpcmw's client interceptor) to the back end's call
//     record and its handler's own records (grpcmw's server interceptor);
//   - an unknown SKU answered with NotFound and logged at INFO on every
//     side: an answer, not a failure;
//   - the back end failing over (Unavailable) and the front's breaker
//     opening after 5 consecutive failures (one WARN saying what tripped it
//     and when calls resume), refusing calls at once, going half-open and
//     closing once the back end is back;
//   - a handler that panics on a corrupt record: the front gets
//     codes.Internal carrying only the request ID, the back end logs the
//     panic once with a bounded stack, and keeps serving;
//   - at the end, on stdout, a short summary: quotes by outcome, the
//     breaker's transitions, the panics recovered, the stats sent and
//     dropped, and the log lines dropped.
//
// The inventory API is defined by hand (a grpc.ServiceDesc and a JSON codec,
// in api.go and codec.go) as protoc would generate it, so the demo needs no
// code generation.
//
// Stats go to statsd over UDP (STATSD_ADDR, else 127.0.0.1:8125). Nothing
// needs to listen there: what cannot be sent is dropped and counted. The
// front also serves the breaker's status at /debug/breakers.
//
// Flags:
//
//	-serve          serve until interrupted instead of driving traffic
//	-listen addr    the front's address (default 127.0.0.1:8080 with -serve,
//	                a free loopback port otherwise)
//	-statsd addr    the statsd address (default $STATSD_ADDR or 127.0.0.1:8125)
//	-log-level lvl  debug, info, warn or error (default $VITALS_LOG_LEVEL or info)
//	-duration d     how long to drive traffic, and the period of the back
//	                end's outage schedule (default 10s)
//
// With -serve, ask for quotes yourself:
//
//	curl -i 'localhost:8080/quote?sku=sku-3&qty=2'
//	curl -i -H 'X-Request-ID: my-req-1' 'localhost:8080/quote?sku=sku-13&qty=1'
//	curl localhost:8080/debug/breakers
//
// The files each hold one piece: main.go wires the front, the client and
// the back end; api.go and codec.go define the gRPC service; inventory.go is
// the back end; front.go the HTTP handler; drive.go the traffic; summary.go
// the closing report. The plumbing every example shares (flags, serving,
// pacing, the report's last lines) is in examples/internal/demo.
package main
