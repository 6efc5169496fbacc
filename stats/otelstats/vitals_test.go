package otelstats

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/retry"
)

// TestVitalsOwnMetricsGoThroughUnchanged runs a breaker, the HTTP stats
// middleware and a retry policy on the OTel emitter and reads their
// metrics, under the names, instruments and units docs/metrics.md gives,
// from the SDK.
func TestVitalsOwnMetricsGoThroughUnchanged(t *testing.T) {
	e, collect := newTest(t, Config{})

	b, err := breaker.New(breaker.Config{Name: "payments", ConsecutiveFailures: 1, Stats: e})
	require.NoError(t, err)
	boom := errors.New("down")
	_ = b.Run(context.Background(), func(context.Context) error { return boom })
	_ = b.Run(context.Background(), func(context.Context) error { return nil }) // rejected: open

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })
	h, err := middleware.Stats(mux, middleware.StatsConfig{Emitter: e})
	require.NoError(t, err)
	for range 2 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/orders/7", nil))
	}

	p := retry.Policy{Name: "fetch", Attempts: 2, Base: time.Microsecond, Stats: e}
	_ = retry.Do(context.Background(), p, func(context.Context) error {
		return errctx.New("fetch", errctx.WithClass(errctx.Transient))
	})

	// The breaker publishes a transition off the caller's goroutine: wait
	// for it, with a deadline.
	var got map[string]metricdata.Metrics
	require.Eventually(t, func() bool {
		got = collect()
		state, ok := got["breaker.payments.state"].Data.(metricdata.Gauge[float64])
		return sumOfIfAny(got["breaker.payments.transitions.open"], attrs()) == 1 &&
			ok && len(state.DataPoints) == 1 && state.DataPoints[0].Value == 2
	}, 5*time.Second, time.Millisecond, "the breaker's trip never showed")
	assert.EqualValues(t, 1, sumOf(t, got["breaker.payments.transitions.open"], attrs()))
	assert.EqualValues(t, 1, sumOf(t, got["breaker.payments.calls.failure"], attrs()))
	assert.EqualValues(t, 1, sumOf(t, got["breaker.payments.calls.rejected"], attrs()))
	state, ok := got["breaker.payments.state"].Data.(metricdata.Gauge[float64])
	require.True(t, ok, "a %T", got["breaker.payments.state"].Data)
	require.Len(t, state.DataPoints, 1)
	assert.Equal(t, 2.0, state.DataPoints[0].Value, "open")

	assert.EqualValues(t, 2, sumOf(t, got["http.server.requests"], attrs("route", "GET /orders/{id}", "status", "4xx")))
	dur, ok := got["http.server.duration"].Data.(metricdata.Histogram[float64])
	require.True(t, ok, "a %T", got["http.server.duration"].Data)
	require.Len(t, dur.DataPoints, 1)
	assert.EqualValues(t, 2, dur.DataPoints[0].Count)
	assert.Equal(t, "s", got["http.server.duration"].Unit)

	assert.EqualValues(t, 1, sumOf(t, got["retry.fetch.retries"], attrs()))
	assert.EqualValues(t, 1, sumOf(t, got["retry.fetch.exhausted"], attrs()))
	assert.Zero(t, e.Dropped())
	checkDocumented(t, got)
}

// pagerSink is an alert sink that accepts every event.
type pagerSink struct{ sent chan struct{} }

func (pagerSink) Name() string { return "pager" }
func (s pagerSink) Send(context.Context, alert.Event) error {
	s.sent <- struct{}{}
	return nil
}

// TestGRPCAndAlertMetricsGoThroughUnchanged runs the gRPC server
// interceptor and an alert Notifier on the OTel emitter: their counters,
// histogram and gauges arrive under their statsd names, the gRPC ones as
// docs/metrics.md gives them.
func TestGRPCAndAlertMetricsGoThroughUnchanged(t *testing.T) {
	e, collect := newTest(t, Config{})

	in, err := grpcmw.NewServerInterceptor(grpcmw.ServerConfig{Stats: e, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	info := &grpc.UnaryServerInfo{FullMethod: "/shop.Orders/Get"}
	_, _ = in.Unary(context.Background(), nil, info, func(context.Context, any) (any, error) { return "ok", nil })
	_, _ = in.Unary(context.Background(), nil, info, func(context.Context, any) (any, error) {
		return nil, status.Error(codes.Unavailable, "down")
	})

	sink := pagerSink{sent: make(chan struct{}, 1)}
	n, err := alert.New(alert.Config{Sinks: []alert.Sink{sink}, Emitter: e, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	n.Notify(context.Background(), alert.Alert{Summary: "payments breaker open"})
	select {
	case <-sink.sent:
	case <-time.After(10 * time.Second):
		t.Fatal("the sink was never called")
	}
	require.NoError(t, n.Close(context.Background()))

	got := collect()
	method := func(code string) attribute.Set { return attrs("code", code, "method", "/shop.Orders/Get") }
	assert.EqualValues(t, 1, sumOf(t, got["grpc.server.requests"], method("OK")))
	assert.EqualValues(t, 1, sumOf(t, got["grpc.server.requests"], method("Unavailable")))
	dur, ok := got["grpc.server.duration"].Data.(metricdata.Histogram[float64])
	require.True(t, ok, "a %T", got["grpc.server.duration"].Data)
	assert.Len(t, dur.DataPoints, 2, "one series per code")
	assert.Equal(t, "s", got["grpc.server.duration"].Unit)
	_, ok = got["grpc.server.in_flight"].Data.(metricdata.Gauge[float64])
	assert.True(t, ok, "in_flight a gauge")

	assert.EqualValues(t, 1, sumOf(t, got["alert.notified"], attrs()))
	assert.EqualValues(t, 1, sumOf(t, got["alert.pager.sent"], attrs()))
	assert.Zero(t, e.Dropped())

	checkDocumented(t, got)
}
