// Command quickstart logs a request-scoped line with vitals: a JSON logger,
// a request ID (an inbound one is checked and replaced when unsafe), and
// request fields carried by the context.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

func main() {
	reqid.SetService("quickstart", "v0.1.0")
	run(os.Stdout, "bad id\r\nSet-Cookie: x=1")
}

// run handles one pretend request whose client sent the header value
// inbound as its request ID, logging to w.
func run(w io.Writer, inbound string) {
	logger := log.New(log.Options{Writer: w})

	id := inbound
	if !reqid.Valid(id) {
		id = reqid.New()
		logger.Warn("replaced an unsafe inbound request ID",
			"rejected", reqid.Describe(inbound), "request_id", id)
	}
	ctx := reqid.With(context.Background(), id)
	ctx = log.With(ctx, "method", "GET", "route", "/hello")

	logger.InfoContext(ctx, "handled request", "status", 200, "bytes", 13)
	logger.WithGroup("db").LogAttrs(ctx, slog.LevelDebug, "not shown at the default level")
}
