package demo

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
)

// Main runs an example: run gets the command line, stdout, stderr and a
// context that ends on an interrupt or SIGTERM. The process exits 0 when
// run returns nil or -h was asked for, else 1 after printing the error
// after name, so that whoever runs the example notices.
func Main(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return
	default:
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// ServeHTTP serves h on addr until stop is called, with net/http's own
// errors logged as warnings; stop lets requests in flight finish for up
// to 5 seconds. bound is the address served, with the port picked for
// port 0.
func ServeHTTP(addr string, h http.Handler, logger *slog.Logger) (stop func(), bound string, err error) {
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

// Run returns when the example is done: with -serve when ctx ends, else
// once drive has driven traffic for the -duration (its context ends then).
func (c Config) Run(ctx context.Context, drive func(context.Context)) {
	if c.Serve {
		<-ctx.Done()
		return
	}
	driveCtx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	drive(driveCtx)
}
