package bench_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/benchmetric"
	"github.com/vitals-go/vitals/stats"
)

// discardTransport is a sentry Transport that drops every event, so that
// the benchmark measures CaptureException and not the network.
type discardTransport struct{}

func (discardTransport) Flush(time.Duration) bool              { return true }
func (discardTransport) FlushWithContext(context.Context) bool { return true }
func (discardTransport) Configure(sentry.ClientOptions)        {}
func (discardTransport) SendEvent(*sentry.Event)               {}
func (discardTransport) Close()                                {}

// nopSink accepts every event.
type nopSink struct{}

func (nopSink) Name() string                            { return "nop" }
func (nopSink) Send(context.Context, alert.Event) error { return nil }

// BenchmarkAlertErrorRepeated reports the same failure again and again, as
// an error path inside a hot loop does: vitals' Notifier.Error (after the
// first, each repeat is counted and held back for the window's digest)
// beside sentry-go's CaptureException with a transport that discards
// (sentry-go builds and hands over an event each time; it has no
// deduplication of its own). Wall time moves with the machine's load;
// cpu-ns/op is the process's CPU time per call.
func BenchmarkAlertErrorRepeated(b *testing.B) {
	failure := errctx.Wrap(errors.New("connection refused"), "charge card", errctx.WithClass(errctx.Transient))
	b.Run("vitals", func(b *testing.B) {
		n, err := alert.New(alert.Config{Sinks: []alert.Sink{nopSink{}},
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Emitter: stats.Discard})
		if err != nil {
			b.Fatal(err)
		}
		defer n.Close(context.Background())
		ctx := context.Background()
		b.ReportAllocs()
		defer benchmetric.ReportCPU(b)()
		for b.Loop() {
			n.Error(ctx, failure)
		}
	})
	b.Run("sentry-go", func(b *testing.B) {
		client, err := sentry.NewClient(sentry.ClientOptions{Dsn: "https://public@127.0.0.1/1", Transport: discardTransport{}})
		if err != nil {
			b.Fatal(err)
		}
		hub := sentry.NewHub(client, sentry.NewScope())
		b.ReportAllocs()
		defer benchmetric.ReportCPU(b)()
		for b.Loop() {
			hub.CaptureException(failure)
		}
	})
}
