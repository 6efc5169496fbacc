package grpcmw_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

// exampleLogger writes JSON records through the vitals handler, which adds
// the request and trace IDs from the context, without the fields that change
// from run to run. A service would use log.New.
func exampleLogger() *slog.Logger {
	return slog.New(log.NewHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "peer":
				return slog.Attr{}
			}
			return a
		},
	}), &log.HandlerOptions{OmitProcess: true}))
}

// healthServer starts a gRPC health server on loopback for the client
// examples, and returns the dial option that takes any target to it.
func healthServer() (dialer grpc.DialOption, stop func()) {
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() { _ = srv.Serve(lis) }()
	return grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "tcp", lis.Addr().String())
	}), srv.Stop
}

func ExampleNewServerInterceptor() {
	icpt, err := grpcmw.NewServerInterceptor(grpcmw.ServerConfig{Logger: exampleLogger(), Stats: stats.Discard})
	if err != nil {
		panic(err)
	}
	srv := grpc.NewServer(icpt.ServerOptions()...) // add Trace: true for otelgrpc spans
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() { _ = srv.Serve(lis) }()

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "req-42")
	var header metadata.MD
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Header(&header))
	if err != nil {
		panic(err)
	}
	srv.GracefulStop() // waits for the record
	fmt.Println(resp.Status, header.Get("x-request-id"))
	// Output:
	// {"level":"INFO","msg":"request","method":"/grpc.health.v1.Health/Check","code":"OK","request_id":"req-42"}
	// SERVING [req-42]
}

func ExampleNewClientInterceptor() {
	// A server to call.
	dialer, stop := healthServer()
	defer stop()

	icpt, err := grpcmw.NewClientInterceptor(grpcmw.ClientConfig{Logger: exampleLogger(), Stats: stats.Discard})
	if err != nil {
		panic(err)
	}
	// The target names the breaker, the records and the stats; here a fixed
	// name dialled to the test server's random port.
	conn, err := grpc.NewClient("passthrough:///inventory", append(icpt.DialOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()), dialer)...)
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	// The request ID of the context (set by the server interceptor of the
	// calling service) goes out as x-request-id.
	ctx := reqid.With(context.Background(), "req-43")
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "billing"})
	fmt.Println(err)
	// Output:
	// {"level":"INFO","msg":"outbound request","request_id":"req-43","method":"/grpc.health.v1.Health/Check","target":"passthrough:///inventory","code":"NotFound","attempted":"call /grpc.health.v1.Health/Check at passthrough:///inventory","error":"call /grpc.health.v1.Health/Check at passthrough:///inventory: rpc error: code = NotFound desc = unknown service","remedy":"check the request against passthrough:///inventory's API"}
	// call /grpc.health.v1.Health/Check at passthrough:///inventory: rpc error: code = NotFound desc = unknown service
}

func ExampleNewClientInterceptor_targetName() {
	// A server to call.
	dialer, stop := healthServer()
	defer stop()

	// TargetName names the service in the stats (target=inventory), the
	// breaker (breaker.inventory.*), the records and the errors, whatever
	// the connection dials; the records keep the dial target as
	// dial_target.
	icpt, err := grpcmw.NewClientInterceptor(grpcmw.ClientConfig{TargetName: "inventory",
		Logger: exampleLogger(), Stats: stats.Discard})
	if err != nil {
		panic(err)
	}
	// A service would dial "dns:///inventory.internal:50051"; here the
	// dialer takes that address to the test server's random port.
	conn, err := grpc.NewClient("passthrough:///inventory.internal:50051", append(icpt.DialOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()), dialer)...)
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	ctx := reqid.With(context.Background(), "req-44")
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "billing"})
	fmt.Println(err)
	fmt.Println(errctx.FieldsOf(err))
	fmt.Println("breaker:", icpt.Breaker("inventory", "").Name())
	// Output:
	// {"level":"INFO","msg":"outbound request","request_id":"req-44","method":"/grpc.health.v1.Health/Check","target":"inventory","dial_target":"passthrough:///inventory.internal:50051","code":"NotFound","attempted":"call /grpc.health.v1.Health/Check at inventory","error":"call /grpc.health.v1.Health/Check at inventory: rpc error: code = NotFound desc = unknown service","remedy":"check the request against inventory's API"}
	// call /grpc.health.v1.Health/Check at inventory: rpc error: code = NotFound desc = unknown service
	// [dial_target=passthrough:///inventory.internal:50051]
	// breaker: inventory
}

func ExampleHTTPStatus() {
	for _, c := range []codes.Code{codes.OK, codes.InvalidArgument, codes.NotFound, codes.ResourceExhausted,
		codes.Canceled, codes.Internal, codes.Unavailable, codes.DeadlineExceeded} {
		fmt.Println(c, grpcmw.HTTPStatus(c))
	}
	// Output:
	// OK 200
	// InvalidArgument 400
	// NotFound 404
	// ResourceExhausted 429
	// Canceled 499
	// Internal 500
	// Unavailable 503
	// DeadlineExceeded 504
}

// An HTTP front answers with the HTTP status of its gRPC back end's error.
func ExampleHTTPStatusOf() {
	// The gRPC back end: the health service, which answers NotFound for a
	// service it does not know.
	dialer, stop := healthServer()
	defer stop()

	icpt, err := grpcmw.NewClientInterceptor(grpcmw.ClientConfig{TargetName: "health",
		Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard})
	if err != nil {
		panic(err)
	}
	conn, err := grpc.NewClient("passthrough:///health", append(icpt.DialOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()), dialer)...)
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	backend := healthpb.NewHealthClient(conn)

	// The front: GET /health?service=billing asks the back end.
	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := backend.Check(r.Context(), &healthpb.HealthCheckRequest{Service: r.URL.Query().Get("service")})
		if err != nil {
			// The client interceptor has logged the call with what was
			// attempted and the remedy; here the error picks the status.
			code := grpcmw.HTTPStatusOf(err)
			http.Error(w, http.StatusText(code), code)
			return
		}
		fmt.Fprintln(w, resp.Status)
	})

	for _, service := range []string{"", "billing"} {
		rec := httptest.NewRecorder()
		front.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health?service="+service, nil))
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 SERVING
	// 404 Not Found
}
