package grpcmw_test

import (
	"context"
	"io"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/vitals-go/vitals/internal/benchmetric"
	"github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

func noopHandler(context.Context, any) (any, error) { return nil, nil }
func noopInvoker(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error {
	return nil
}

// serverCtx is the context gRPC gives a unary interceptor: incoming
// metadata, the peer and the transport stream.
func serverCtx(md metadata.MD) context.Context { return benchmetric.GRPCServerContext(md, methodUnary) }

func benchServerInterceptor(b *testing.B) *grpcmw.ServerInterceptor {
	return newServer(b, grpcmw.ServerConfig{Logger: log.New(log.Options{Writer: io.Discard}), Stats: stats.Discard})
}

func benchClientInterceptor(b *testing.B, cfg grpcmw.ClientConfig) *grpcmw.ClientInterceptor {
	cfg.Logger, cfg.Stats = log.New(log.Options{Writer: io.Discard}), stats.Discard
	return newClient(b, cfg)
}

// run measures fn with allocations and cpu-ns/op: the process's CPU time
// (user + system, GC and the loopback server included) per call, steadier
// than ns/op on a shared machine.
func run(b *testing.B, fn func()) {
	b.ReportAllocs()
	defer benchmetric.ReportCPU(b)()
	for b.Loop() {
		fn()
	}
}

func BenchmarkServerUnaryBare(b *testing.B) {
	ctx := serverCtx(metadata.Pairs("x-request-id", "0123456789abcdef0123456789abcdef"))
	run(b, func() { _, _ = noopHandler(ctx, nil) })
}

func BenchmarkServerUnary(b *testing.B) {
	s := benchServerInterceptor(b)
	ctx := serverCtx(metadata.Pairs("x-request-id", "0123456789abcdef0123456789abcdef"))
	info := &grpc.UnaryServerInfo{FullMethod: methodUnary}
	run(b, func() { _, _ = s.Unary(ctx, nil, info, noopHandler) })
}

func BenchmarkServerUnaryNewID(b *testing.B) {
	s := benchServerInterceptor(b)
	ctx := serverCtx(metadata.MD{})
	info := &grpc.UnaryServerInfo{FullMethod: methodUnary}
	run(b, func() { _, _ = s.Unary(ctx, nil, info, noopHandler) })
}

// benchConn is a client connection that never connects: the interceptor
// only reads its target.
func benchConn(b *testing.B) *grpc.ClientConn {
	return dial(b, "passthrough:///bench")
}

func BenchmarkClientUnaryBare(b *testing.B) {
	cc := benchConn(b)
	ctx := reqid.With(context.Background(), "0123456789abcdef0123456789abcdef")
	run(b, func() { _ = noopInvoker(ctx, methodUnary, nil, nil, cc) })
}

func BenchmarkClientUnary(b *testing.B) {
	benchClient(b, grpcmw.ClientConfig{})
}

// BenchmarkClientUnaryTargetName: the name is resolved once, by
// NewClientInterceptor; a call costs what an unnamed one does.
func BenchmarkClientUnaryTargetName(b *testing.B) {
	benchClient(b, grpcmw.ClientConfig{TargetName: "bench"})
}

func BenchmarkClientUnaryNoBreaker(b *testing.B) {
	benchClient(b, grpcmw.ClientConfig{Breaker: grpcmw.NoBreaker})
}

func BenchmarkClientUnaryNoTimeout(b *testing.B) {
	benchClient(b, grpcmw.ClientConfig{Timeout: -1})
}

// BenchmarkClientUnaryInHandler calls from a context like the one the server
// interceptor gives a handler: its log.With "method" (the inbound method)
// yields to the outbound record's own "method".
func BenchmarkClientUnaryInHandler(b *testing.B) {
	ctx := log.With(reqid.With(context.Background(), "0123456789abcdef0123456789abcdef"), "method", "/vitals.test.Front/Get")
	benchClientCtx(b, ctx, grpcmw.ClientConfig{Timeout: -1})
}

func benchClient(b *testing.B, cfg grpcmw.ClientConfig) {
	benchClientCtx(b, reqid.With(context.Background(), "0123456789abcdef0123456789abcdef"), cfg)
}

func benchClientCtx(b *testing.B, ctx context.Context, cfg grpcmw.ClientConfig) {
	c := benchClientInterceptor(b, cfg)
	cc := benchConn(b)
	run(b, func() { _ = c.Unary(ctx, methodUnary, nil, nil, cc, noopInvoker) })
}

// Loopback benchmarks: a health check over TCP on 127.0.0.1, bare and with
// both interceptors.
func BenchmarkLoopbackUnaryBare(b *testing.B) {
	benchLoopback(b, nil, nil)
}

func BenchmarkLoopbackUnary(b *testing.B) {
	benchLoopback(b, benchServerInterceptor(b).ServerOptions(), benchClientInterceptor(b, grpcmw.ClientConfig{}).DialOptions())
}

// BenchmarkLoopbackUnaryNoTimeout: the client's default deadline costs gRPC
// a grpc-timeout header and a timer on each side.
func BenchmarkLoopbackUnaryNoTimeout(b *testing.B) {
	benchLoopback(b, benchServerInterceptor(b).ServerOptions(), benchClientInterceptor(b, grpcmw.ClientConfig{Timeout: -1}).DialOptions())
}

func BenchmarkLoopbackUnaryServerOnly(b *testing.B) {
	benchLoopback(b, benchServerInterceptor(b).ServerOptions(), nil)
}

func BenchmarkLoopbackUnaryClientOnly(b *testing.B) {
	benchLoopback(b, nil, benchClientInterceptor(b, grpcmw.ClientConfig{}).DialOptions())
}

// BenchmarkLoopbackUnaryOtelgrpc is the same call with otelgrpc's stats
// handlers alone (recording spans with the SDK, no exporter), for scale.
func BenchmarkLoopbackUnaryOtelgrpc(b *testing.B) {
	tp := sdktrace.NewTracerProvider()
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	benchLoopback(b, []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp)))},
		[]grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(tp)))})
}

func benchLoopback(b *testing.B, sopts []grpc.ServerOption, dopts []grpc.DialOption) {
	cc := dial(b, startServer(b, nil, sopts...), dopts...)
	health := healthpb.NewHealthClient(cc)
	ctx := reqid.With(context.Background(), "0123456789abcdef0123456789abcdef")
	req := &healthpb.HealthCheckRequest{}
	if _, err := health.Check(ctx, req); err != nil {
		b.Fatal(err)
	}
	run(b, func() {
		if _, err := health.Check(ctx, req); err != nil {
			b.Fatal(err)
		}
	})
}
