package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/examples/internal/demo"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
)

// chargeTimeout is how long the orders service waits for payments.
const chargeTimeout = 250 * time.Millisecond

// ordersRoute is the pattern of the orders handler.
const ordersRoute = "POST /orders"

// story is what the command line says about this example.
var story = demo.Story{Name: "service", Serves: "orders", Duration: 20 * time.Second,
	Period: "the payments service's misbehaviour", Metrics: true, Alerts: true}

func main() { demo.Main("service", run) }

// run is the whole program: logs go to stderr as JSON lines, the summary to
// stdout. It returns when the traffic has been driven for the -duration, or
// with -serve when ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := demo.ParseConfig(args, stderr, story)
	if err != nil {
		return err
	}
	reqid.SetService("orders", "demo")                       // a real service passes its build version, e.g. from -ldflags
	logs := vlog.NewAsyncWriter(stderr, vlog.AsyncOptions{}) // logging never blocks a request
	// During an incident, repeated WARN/ERROR records collapse into one
	// summary per key and window; each breaker's records stay apart.
	flood := vlog.NewFloodHandler(vlog.New(vlog.Options{Writer: logs, Level: cfg.Level}).Handler(), vlog.FloodOptions{KeyAttr: "breaker"})
	logger := slog.New(flood)
	emitter, err := newMetrics(cfg) // statsd, or OTel served at /metrics (metrics.go)
	if err != nil {
		return err
	}
	sum := newSummary()

	// The payments dependency, on a loopback port of its own.
	pay := newPayments(cfg.Duration, 4*chargeTimeout)
	payHandler, err := pay.handler(logger)
	if err != nil {
		return err
	}
	payStop, payAddr, err := demo.ServeHTTP("127.0.0.1:0", payHandler, logger)
	if err != nil {
		return err
	}
	defer payStop()

	// The client for payments: request IDs passed on, calls counted and timed,
	// a timeout, and a breaker that opens after 5 consecutive failures.
	transport, err := middleware.NewTransport(nil, middleware.ClientConfig{
		Logger:  logger,
		Level:   func(middleware.ClientOutcome) slog.Level { return slog.LevelDebug }, // the handler logs outcomes
		Stats:   emitter,
		Timeout: chargeTimeout,
		BreakerConfig: func(string) breaker.Config {
			return breaker.Config{Name: "payments", Critical: true, OpenDuration: cfg.Duration * 15 / 100}
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
	defer paymentsBreaker.Subscribe(sum.breaker.Record)()
	alerts, err := startAlerting(logger, emitter, cfg.Alertmanager, paymentsBreaker) // see alerting.go
	if err != nil {
		return err
	}

	// The orders service behind the vitals server stack.
	svc := &orders{client: &http.Client{Transport: transport}, payments: "http://" + payAddr, logger: logger, counted: sum.count}
	mux := http.NewServeMux()
	mux.HandleFunc(ordersRoute, svc.create)
	mux.Handle("GET /debug/breakers", registry.Handler())
	emitter.serve(mux)
	handler, err := middleware.New(mux, middleware.ServerConfig{
		AccessLog: middleware.AccessLogConfig{Logger: logger, Level: accessLevel,
			OnPanic: func(ctx context.Context, p middleware.PanicInfo) { sum.panicked(ctx, p); alerts.onPanic(ctx, p) }},
		Stats: middleware.StatsConfig{Emitter: emitter},
	})
	if err != nil {
		return err
	}
	stopOrders, addr, err := demo.ServeHTTP(cfg.Listen, handler, logger)
	if err != nil {
		return err
	}
	base := "http://" + addr
	logger.Info("orders service listening", "orders", base+"/orders", "breakers", base+"/debug/breakers",
		"payments", svc.payments, "statsd", cfg.Statsd)

	cfg.Run(ctx, func(ctx context.Context) { drive(ctx, base, cfg.Duration) })

	emitter.lastScrape()
	stopOrders()
	alerts.close()      // delivers the alerts still queued
	_ = emitter.Close() // sends what is queued
	_ = flood.Close()   // writes the pending summaries
	_ = logs.Close()    // writes what is queued
	sum.write(stdout, emitter.delivery(logs))
	return nil
}
