package bench

// The gRPC interceptors called directly, without the network, in one run:
// vitals' (request ID, one record per call, recovery, stats; on the client
// also a breaker and a per-call deadline) against go-grpc-middleware v2's
// logging interceptor (one record per call, at the end, as vitals writes)
// with its recovery interceptor on the server and its timeout interceptor
// on the client. Both log through the same vitals logger to io.Discard.

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/timeout"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/vitals-go/vitals/internal/benchmetric"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

const grpcMethod = "/inventory.v1.Inventory/Quote"

func grpcHandler(context.Context, any) (any, error) { return nil, nil }

func grpcInvoker(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error {
	return nil
}

// slogAdapter is go-grpc-middleware's documented bridge to log/slog.
func slogAdapter(l *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		l.Log(ctx, slog.Level(lvl), msg, fields...)
	})
}

// grpcServerCalls returns one unary call through a bare handler, through
// vitals' server interceptor and through go-grpc-middleware's recovery +
// logging chain.
func grpcServerCalls(b *testing.B) (bare, vitals, ggm func()) {
	logger := vlog.New(vlog.Options{Writer: io.Discard})
	icpt, err := grpcmw.NewServerInterceptor(grpcmw.ServerConfig{Logger: logger, Stats: stats.Discard})
	if err != nil {
		b.Fatal(err)
	}
	rec := recovery.UnaryServerInterceptor()
	lg := logging.UnaryServerInterceptor(slogAdapter(logger), logging.WithLogOnEvents(logging.FinishCall))
	ctx := benchmetric.GRPCServerContext(metadata.Pairs("x-request-id", "0123456789abcdef0123456789abcdef"), grpcMethod)
	info := &grpc.UnaryServerInfo{FullMethod: grpcMethod}
	return func() { _, _ = grpcHandler(ctx, nil) },
		func() { _, _ = icpt.Unary(ctx, nil, info, grpcHandler) },
		func() {
			_, _ = rec(ctx, nil, info, func(ctx context.Context, req any) (any, error) {
				return lg(ctx, req, info, grpcHandler)
			})
		}
}

// grpcClientCalls returns one unary call through a bare invoker, through
// vitals' client interceptor (with its breaker and default 30 s deadline)
// and through go-grpc-middleware's timeout (30 s) + logging chain.
func grpcClientCalls(b *testing.B) (bare, vitals, ggm func()) {
	logger := vlog.New(vlog.Options{Writer: io.Discard})
	icpt, err := grpcmw.NewClientInterceptor(grpcmw.ClientConfig{TargetName: "inventory", Logger: logger, Stats: stats.Discard})
	if err != nil {
		b.Fatal(err)
	}
	to := timeout.UnaryClientInterceptor(30 * time.Second)
	lg := logging.UnaryClientInterceptor(slogAdapter(logger), logging.WithLogOnEvents(logging.FinishCall))
	cc, err := grpc.NewClient("passthrough:///inventory", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cc.Close() })
	ctx := reqid.With(context.Background(), "0123456789abcdef0123456789abcdef")
	return func() { _ = grpcInvoker(ctx, grpcMethod, nil, nil, cc) },
		func() { _ = icpt.Unary(ctx, grpcMethod, nil, nil, cc, grpcInvoker) },
		func() {
			_ = to(ctx, grpcMethod, nil, nil, cc, func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
				return lg(ctx, method, req, reply, cc, grpcInvoker, opts...)
			})
		}
}

// runEach measures each of bare, vitals and ggm on its own, with
// allocations.
func runEach(b *testing.B, bare, vitals, ggm func()) {
	for _, c := range []struct {
		name string
		call func()
	}{{"bare", bare}, {"vitals", vitals}, {"go-grpc-middleware", ggm}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			defer benchmetric.ReportCPU(b)()
			for b.Loop() {
				c.call()
			}
		})
	}
}

func BenchmarkGRPCServer(b *testing.B) {
	bare, vitals, ggm := grpcServerCalls(b)
	runEach(b, bare, vitals, ggm)
}

func BenchmarkGRPCClient(b *testing.B) {
	bare, vitals, ggm := grpcClientCalls(b)
	runEach(b, bare, vitals, ggm)
}

// BenchmarkGRPCServerOverhead runs the three server calls in alternating
// stretches and reports the medians of vitals' and go-grpc-middleware's
// costs per call over the bare handler, and of their ratio (x-ggm).
func BenchmarkGRPCServerOverhead(b *testing.B) {
	bare, vitals, ggm := grpcServerCalls(b)
	reportOverheads(b, bare, vitals, ggm, "vitals-ns", "ggm-ns", "x-ggm")
}

// BenchmarkGRPCClientOverhead is the same for the client calls.
func BenchmarkGRPCClientOverhead(b *testing.B) {
	bare, vitals, ggm := grpcClientCalls(b)
	reportOverheads(b, bare, vitals, ggm, "vitals-ns", "ggm-ns", "x-ggm")
}
