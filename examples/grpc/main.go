package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/examples/internal/demo"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

// quoteTimeout is how long the front waits for the inventory back end.
const quoteTimeout = 250 * time.Millisecond

// inventoryTarget is the dial target of the back end: a real deployment
// would dial "dns:///inventory.internal:443", here a dialer points it at the
// loopback port the back end got. The client's records keep it as
// dial_target.
const inventoryTarget = "passthrough:///inventory.internal:443"

// inventoryName is the back end's short name (ClientConfig.TargetName): it
// names the client's records (target), stats (target=inventory), errors
// ("call /inventory.v1.Inventory/Quote at inventory") and breaker
// (breaker.inventory.*), whatever the dial target.
const inventoryName = "inventory"

// story is what the command line says about this example.
var story = demo.Story{Name: "grpc", Serves: "HTTP front", Duration: 10 * time.Second,
	Period: "the back end's outage schedule"}

func main() { demo.Main("grpc", run) }

// run is the whole program: logs go to stderr as JSON lines, the summary to
// stdout. It returns when the traffic has been driven for the -duration, or
// with -serve when ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := demo.ParseConfig(args, stderr, story)
	if err != nil {
		return err
	}
	reqid.SetService("quotes", "demo")                       // a real service passes its build version, e.g. from -ldflags
	logs := vlog.NewAsyncWriter(stderr, vlog.AsyncOptions{}) // logging never blocks a request
	logger := vlog.New(vlog.Options{Writer: logs, Level: cfg.Level})
	emitter, err := stats.NewStatsd(stats.Config{Addr: cfg.Statsd, Prefix: "quotes"})
	if err != nil {
		return err
	}
	sum := newSummary()

	// The inventory back end: a gRPC server on a loopback port of its own,
	// behind the server interceptors.
	stopInventory, invAddr, err := serveInventory(&inventory{logger: logger.With("component", "inventory"),
		outage: &demo.Outage{Start: time.Now(), Period: cfg.Duration, From: outageFrom, To: outageTo, Fails: 5}}, emitter, sum.panicked)
	if err != nil {
		return err
	}
	defer stopInventory()

	// The front's client for it: request IDs passed on in the metadata,
	// calls logged, counted and timed out, and a breaker that opens after 5
	// consecutive failures (Unavailable, DeadlineExceeded, ResourceExhausted,
	// Internal), all under the back end's short name.
	cli, err := grpcmw.NewClientInterceptor(grpcmw.ClientConfig{
		TargetName: inventoryName,
		Logger:     logger,
		Stats:      emitter,
		Timeout:    quoteTimeout,
		BreakerConfig: func(string) breaker.Config {
			return breaker.Config{Critical: true, OpenDuration: time.Duration(float64(cfg.Duration) * openShare)}
		},
	})
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(inventoryTarget, append(cli.DialOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", invAddr)
		}))...)
	if err != nil {
		return err
	}
	defer conn.Close()
	inventoryBreaker := cli.Breaker(inventoryName, "")
	registry := breaker.NewRegistry()
	if err := registry.Register(inventoryBreaker); err != nil {
		return err
	}
	defer inventoryBreaker.Subscribe(sum.breaker.Record)()

	// The HTTP front behind the vitals server stack.
	f := &front{inventory: inventoryClient{cc: conn}, counted: sum.count}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /quote", f.quote)
	mux.Handle("GET /debug/breakers", registry.Handler())
	handler, err := middleware.New(mux, middleware.ServerConfig{
		AccessLog: middleware.AccessLogConfig{Logger: logger, Level: accessLevel},
		Stats:     middleware.StatsConfig{Emitter: emitter},
	})
	if err != nil {
		return err
	}
	stopFront, addr, err := demo.ServeHTTP(cfg.Listen, handler, logger)
	if err != nil {
		return err
	}
	base := "http://" + addr
	logger.Info("quotes front listening", "quote", base+"/quote", "breakers", base+"/debug/breakers",
		"inventory", invAddr, "statsd", cfg.Statsd)

	cfg.Run(ctx, func(ctx context.Context) { drive(ctx, base, cfg.Duration) })

	stopFront()
	_ = conn.Close()
	stopInventory()
	_ = emitter.Close() // sends what is queued
	_ = logs.Close()    // writes what is queued
	sum.write(stdout, demo.Delivered(cfg.Statsd, emitter, logs))
	return nil
}

// serverLevel is the level of the back end's call records: the
// interceptor's default, except that NotFound (an unknown SKU) is an answer.
func serverLevel(o grpcmw.ServerOutcome) slog.Level {
	if o.Code == codes.NotFound {
		return slog.LevelInfo
	}
	return grpcmw.DefaultServerLevel(o)
}

// serveInventory serves inv over gRPC on a loopback port until stop is
// called; stop lets calls in flight finish. onPanic is told of every panic
// the server interceptor recovered.
func serveInventory(inv *inventory, emitter stats.Emitter, onPanic func(context.Context, grpcmw.PanicInfo)) (stop func(), addr string, err error) {
	icpt, err := grpcmw.NewServerInterceptor(grpcmw.ServerConfig{
		Logger:  inv.logger,
		Level:   serverLevel,
		Stats:   emitter,
		OnPanic: onPanic,
	})
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := grpc.NewServer(icpt.ServerOptions()...)
	srv.RegisterService(&inventoryDesc, inv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // returns nil after GracefulStop
	}()
	return func() {
		srv.GracefulStop() // idempotent
		<-done
	}, ln.Addr().String(), nil
}
