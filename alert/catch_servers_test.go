package alert_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/stats"
)

func TestPanickedHooksIntoTheHTTPMiddleware(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(http.ResponseWriter, *http.Request) {
		var m map[string]int
		m["boom"]++ // a nil map write: a runtime panic
	})
	h, err := middleware.New(mux, middleware.ServerConfig{
		Stats: middleware.StatsConfig{Emitter: stats.Discard},
		AccessLog: middleware.AccessLogConfig{Logger: quiet, OnPanic: func(ctx context.Context, p middleware.PanicInfo) {
			r.n.Panicked(ctx, alert.PanicInfo{Value: p.Value, Stack: p.Stack, RequestID: p.RequestID, Method: p.Method, Route: p.Route})
		}},
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	for _, id := range []string{"req-1", "req-2"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/orders/"+id, nil)
		require.NoError(t, err)
		req.Header.Set("X-Request-ID", id)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	}

	ev := sink.wait(t, 1)[0]
	assert.Equal(t, "req-1", ev.RequestID)
	assert.Equal(t, alert.Ticket, ev.Severity, "the server answered and kept serving")
	assert.Equal(t, "panic in GET /orders/{id}", ev.Summary)
	assert.EqualError(t, ev.Err, "run GET /orders/{id}: panic: assignment to entry in nil map")
	fields := attrs(ev.Fields)
	assert.Equal(t, "GET", fields["method"])
	assert.Equal(t, "GET /orders/{id}", fields["route"])
	assert.Contains(t, fields["panic_site"], "TestPanickedHooksIntoTheHTTPMiddleware")
	require.Eventually(t, func() bool { _, _, _, s := r.counts("s"); return s == 1 }, waitFor, tick,
		"the second request's panic is a repeat of the first: one alert")
	assert.Len(t, sink.received(), 1)
}

// panickingHealth is a gRPC health service whose Check panics.
type panickingHealth struct {
	healthpb.UnimplementedHealthServer
}

func (panickingHealth) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	panic("health check exploded")
}

func TestPanickedHooksIntoTheGRPCInterceptor(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	icpt, err := grpcmw.NewServerInterceptor(grpcmw.ServerConfig{Logger: quiet, Stats: stats.Discard,
		OnPanic: func(ctx context.Context, p grpcmw.PanicInfo) {
			r.n.Panicked(ctx, alert.PanicInfo{Value: p.Value, Stack: p.Stack, RequestID: p.RequestID, Method: p.Method})
		}})
	require.NoError(t, err)
	srv := grpc.NewServer(icpt.ServerOptions()...)
	healthpb.RegisterHealthServer(srv, panickingHealth{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "req-42")
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	assert.Equal(t, codes.Internal, status.Code(err))

	ev := sink.wait(t, 1)[0]
	assert.Equal(t, "req-42", ev.RequestID)
	assert.Equal(t, "panic in /grpc.health.v1.Health/Check", ev.Summary)
	assert.EqualError(t, ev.Err, "run /grpc.health.v1.Health/Check: panic: health check exploded")
	assert.Equal(t, "/grpc.health.v1.Health/Check", attrs(ev.Fields)["method"])
	assert.Contains(t, attrs(ev.Fields)["panic_site"], "panickingHealth")
}

func TestPanickedWithoutStackOrContext(t *testing.T) {
	sink := newFake("s", nil)
	r := newRig(t, alert.Config{Sinks: []alert.Sink{sink}})
	//nolint:staticcheck // a nil context is what a careless hook passes
	r.n.Panicked(nil, alert.PanicInfo{Value: "x", RequestID: "req-9", Method: "POST", Route: "/pay"})
	ev := sink.wait(t, 1)[0]
	assert.Equal(t, "req-9", ev.RequestID, "taken from the info when the context has none")
	assert.Equal(t, "panic in POST /pay", ev.Summary)
	assert.Len(t, ev.Fingerprint, 16)
}
