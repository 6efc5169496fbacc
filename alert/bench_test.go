package alert_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/benchmetric"
	"github.com/vitals-go/vitals/stats/statstest"
)

// benchNotifier has two sinks and a discarding logger: a repeat is
// suppressed before either is reached.
func benchNotifier(b *testing.B) *alert.Notifier {
	n, err := alert.New(alert.Config{
		Sinks:   []alert.Sink{newFake("a", nil), newFake("b", nil)},
		Logger:  slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Emitter: statstest.New(),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = n.Close(context.Background()) })
	return n
}

// BenchmarkNotifyRepeated is an alert raised again and again inside a hot
// loop: after the first, each is counted and suppressed.
func BenchmarkNotifyRepeated(b *testing.B) {
	n := benchNotifier(b)
	ctx := context.Background()
	a := alert.Alert{Summary: "payments unreachable", Severity: alert.Page}
	b.ReportAllocs()
	defer benchmetric.ReportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Notify(ctx, a)
		}
	})
}

// BenchmarkErrorRepeated is the same for an errctx error, whose fingerprint
// is derived from its attempted steps, class and call site.
func BenchmarkErrorRepeated(b *testing.B) {
	n := benchNotifier(b)
	ctx := context.Background()
	err := errctx.Wrap(errors.New("connection refused"), "charge card", errctx.WithClass(errctx.Transient))
	b.ReportAllocs()
	defer benchmetric.ReportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Error(ctx, err)
		}
	})
}
