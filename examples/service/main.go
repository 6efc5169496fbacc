package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vitals-go/vitals/breaker"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
)

// chargeTimeout is how long the orders service waits for payments.
const chargeTimeout = 250 * time.Millisecond

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(2)
	}
}

// run is the whole program: logs go to stderr as JSON lines, the summary to
// stdout. It returns when the traffic has been driven for the -duration, or
// with -serve when ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	reqid.SetService("orders", "demo")                       // a real service passes its build version, e.g. from -ldflags
	logs := vlog.NewAsyncWriter(stderr, vlog.AsyncOptions{}) // logging never blocks a request
	logger := vlog.New(vlog.Options{Writer: logs, Level: cfg.level})
	sender := &countingSender{addr: cfg.statsd}
	emitter, err := stats.NewStatsd(stats.Config{Addr: cfg.statsd, Prefix: "orders", Sender: sender})
	if err != nil {
		return err
	}
	sum := newSummary()

	// The payments dependency, on a loopback port of its own.
	pay := newPayments(cfg.duration, 4*chargeTimeout)
	payHandler, err := pay.handler(logger)
	if err != nil {
		return err
	}
	payStop, payAddr, err := serve("127.0.0.1:0", payHandler, logger)
	if err != nil {
		return err
	}
	defer payStop()

	// The client for payments: request IDs passed on, calls counted and timed,
	// a timeout, and a breaker that opens after 5 consecutive failures.
	transport, err := middleware.NewTransport(nil, middleware.TransportOptions{
		Logger:  logger,
		Level:   func(middleware.ClientOutcome) slog.Level { return slog.LevelDebug }, // the handler logs outcomes
		Stats:   emitter,
		Timeout: chargeTimeout,
		Breaker: func(string) breaker.Config {
			return breaker.Config{Name: "payments", Critical: true, OpenDuration: cfg.duration * 15 / 100}
		},
	})
	if err != nil {
		return err
	}
	paymentsBreaker := transport.Breaker(payAddr)
	registry := breaker.NewRegistry()
	if err := registry.Register(paymentsBreaker); err != nil {
		return err
	}
	defer paymentsBreaker.Subscribe(sum.transition)()

	// The orders service behind the vitals server stack.
	svc := &orders{client: &http.Client{Transport: transport}, payments: "http://" + payAddr, logger: logger, counted: sum.count}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", svc.create)
	mux.Handle("GET /debug/breakers", registry.Handler())
	handler, err := middleware.New(mux, middleware.Config{
		AccessLog: middleware.AccessLogConfig{Logger: logger, Level: accessLevel},
		Stats:     middleware.StatsConfig{Emitter: emitter},
	})
	if err != nil {
		return err
	}
	stopOrders, addr, err := serve(cfg.listen, handler, logger)
	if err != nil {
		return err
	}
	base := "http://" + addr
	logger.Info("orders service listening", "orders", base+"/orders", "breakers", base+"/debug/breakers",
		"payments", svc.payments, "statsd", cfg.statsd)

	if cfg.serve {
		<-ctx.Done()
	} else {
		driveCtx, cancel := context.WithTimeout(ctx, cfg.duration)
		drive(driveCtx, base, cfg.duration)
		cancel()
	}

	stopOrders()
	_ = emitter.Close() // sends what is queued
	_ = logs.Close()    // writes what is queued
	sum.write(stdout, delivery{
		statsdAddr: cfg.statsd, sent: sender.sent.Load(), packets: sender.packets.Load(),
		dropped: emitter.Dropped(), sendErrors: emitter.SendErrors(), logsDropped: logs.Dropped(),
	})
	return nil
}

// serve serves h on addr until stop is called; stop lets requests in flight
// finish for up to 5 seconds.
func serve(addr string, h http.Handler, logger *slog.Logger) (stop func(), bound string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // returns http.ErrServerClosed after Shutdown
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, ln.Addr().String(), nil
}
