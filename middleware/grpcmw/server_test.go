package grpcmw_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

func TestServerUnaryRequestID(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: rec})
	cc := dial(t, startServer(t, sink.logger(), srv.ServerOptions()...))

	ctx := metadata.AppendToOutgoingContext(t.Context(), "x-request-id", "client-id-1")
	var header metadata.MD
	got, err := callUnary(ctx, cc, "log", grpc.Header(&header))
	require.NoError(t, err)
	assert.Equal(t, "client-id-1", got, "the handler's context carries the inbound ID")
	assert.Equal(t, []string{"client-id-1"}, header.Get("x-request-id"), "echoed in the response header")

	inside := sink.waitRecords(t, "inside the handler", 1)[0]
	assert.Equal(t, "client-id-1", inside["request_id"])
	assert.Equal(t, methodUnary, inside["method"])

	r := sink.waitRecords(t, "request", 1)[0]
	assert.Equal(t, "INFO", r["level"])
	assert.Equal(t, methodUnary, r["method"])
	assert.Equal(t, "OK", r["code"])
	assert.Equal(t, "client-id-1", r["request_id"])
	assert.Contains(t, r["peer"], "127.0.0.1:")
	assert.Contains(t, r, "duration")
	assert.NotContains(t, r, "stream")
	assert.NotContains(t, r, "error")

	tags := []stats.Tag{stats.T("method", methodUnary), stats.T("code", "OK")}
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatServerRequests, tags...), rec.Series())
	assert.Len(t, rec.Timings(grpcmw.StatServerDuration, tags...), 1)
	inFlight, ok := rec.GaugeValue(grpcmw.StatServerInFlight)
	assert.True(t, ok)
	assert.Zero(t, inFlight)
}

func TestServerNewRequestID(t *testing.T) {
	var sink logSink
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: stats.Discard})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...))

	var header metadata.MD
	got, err := callUnary(t.Context(), cc, "hello", grpc.Header(&header))
	require.NoError(t, err)
	assert.True(t, isHexID(got), "a new ID: %q", got)
	assert.Equal(t, []string{got}, header.Get("x-request-id"))
	r := sink.waitRecords(t, "request", 1)[0]
	assert.Equal(t, got, r["request_id"])
	assert.NotContains(t, r, "request_id_rejected", "nothing was rejected")
}

func TestServerLevelsByCode(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: rec})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...))

	cases := []struct {
		code  codes.Code
		level string
	}{
		{codes.NotFound, "WARN"},
		{codes.InvalidArgument, "WARN"},
		{codes.DeadlineExceeded, "WARN"},
		{codes.Internal, "ERROR"},
		{codes.Unknown, "ERROR"},
		{codes.DataLoss, "ERROR"},
		{codes.Unavailable, "ERROR"},
	}
	for _, c := range cases {
		_, err := callUnary(t.Context(), cc, "code:"+c.code.String())
		require.Equal(t, c.code, status.Code(err))
	}
	recs := sink.waitRecords(t, "request", len(cases))
	for _, c := range cases {
		var r map[string]any
		for _, x := range recs {
			if x["code"] == c.code.String() {
				r = x
			}
		}
		require.NotNil(t, r, c.code)
		assert.Equal(t, c.level, r["level"], c.code)
		assert.Equal(t, "serve "+methodUnary, r["attempted"], c.code)
		assert.Equal(t, "rpc error: code = "+c.code.String()+" desc = the test asked for code:"+c.code.String(), r["error"], c.code)
		assert.NotEmpty(t, r["remedy"], c.code)
		assert.Equal(t, int64(1), rec.Counted(grpcmw.StatServerRequests, stats.T("method", methodUnary), stats.T("code", c.code.String())), c.code)
	}
}

func TestServerContextErrorCode(t *testing.T) {
	var sink logSink
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: stats.Discard})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...))

	ctx, cancel := context.WithTimeout(t.Context(), 20*millisecond)
	defer cancel()
	_, err := callUnary(ctx, cc, "wait")
	require.Equal(t, codes.DeadlineExceeded, status.Code(err))
	r := sink.waitRecords(t, "request", 1)[0]
	// The client's RST_STREAM often cancels the handler's context before
	// the server's own deadline timer fires: either way, ctx.Err() maps to
	// the code gRPC sends, never Unknown.
	assert.Contains(t, []any{"DeadlineExceeded", "Canceled"}, r["code"])
}

func TestServerLevelAndSkipConfigurable(t *testing.T) {
	var sink logSink
	srv := newServer(t, grpcmw.ServerConfig{
		Logger: sink.logger(), Stats: stats.Discard,
		Level: func(o grpcmw.ServerOutcome) slog.Level {
			if o.Code == codes.NotFound {
				return slog.LevelInfo
			}
			return grpcmw.DefaultServerLevel(o)
		},
		Skip: grpcmw.SkipSucceeded("/grpc.health.v1.Health/Check"),
	})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...))
	health := healthpb.NewHealthClient(cc)

	_, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	_, err = health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: "missing"})
	require.Equal(t, codes.NotFound, status.Code(err))
	_, err = callUnary(t.Context(), cc, "ok")
	require.NoError(t, err)

	recs := sink.waitRecords(t, "request", 2)
	require.Len(t, recs, 2, "the successful health check is skipped, its failure is not")
	assert.Equal(t, "/grpc.health.v1.Health/Check", recs[0]["method"])
	assert.Equal(t, "NotFound", recs[0]["code"])
	assert.Equal(t, "INFO", recs[0]["level"], "the custom level")
	assert.Equal(t, methodUnary, recs[1]["method"])
}

func TestServerPanic(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	var mu sync.Mutex
	var infos []grpcmw.PanicInfo
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: rec, StackDepth: 4,
		OnPanic: func(ctx context.Context, p grpcmw.PanicInfo) {
			mu.Lock()
			defer mu.Unlock()
			infos = append(infos, p)
		}})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...))

	var header metadata.MD
	_, err := callUnary(t.Context(), cc, "panic", grpc.Header(&header))
	require.Error(t, err)
	id := header.Get("x-request-id")
	require.Len(t, id, 1)
	st := status.Convert(err)
	assert.Equal(t, codes.Internal, st.Code())
	assert.Equal(t, "internal error; request_id="+id[0], st.Message(), "the client gets the request ID and nothing else")

	got, err := callUnary(t.Context(), cc, "after")
	require.NoError(t, err, "the server keeps serving")
	assert.True(t, isHexID(got))

	recs := sink.waitRecords(t, "request panicked", 1)
	require.Len(t, recs, 1, "one record per panic")
	r := recs[0]
	assert.Equal(t, "ERROR", r["level"])
	assert.Equal(t, "Internal", r["code"])
	assert.Equal(t, id[0], r["request_id"])
	assert.Equal(t, "serve "+methodUnary, r["attempted"])
	assert.Equal(t, "panic: boom: the handler broke", r["error"])
	assert.Contains(t, r["remedy"], "request_id")
	stack, ok := r["stack"].([]any)
	require.True(t, ok, "stack is a list of frames: %v", r["stack"])
	require.Len(t, stack, 4, "bounded by StackDepth")
	assert.Contains(t, stack[0], "grpcmw_test.(*echo).unary", "the first frame is the function that panicked")
	assert.NotContains(t, sink.String(), "goroutine ", "no raw stack dump")
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatServerRequests, stats.T("method", methodUnary), stats.T("code", "Internal")))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, infos, 1)
	assert.Equal(t, id[0], infos[0].RequestID)
	assert.Equal(t, methodUnary, infos[0].Method)
	assert.Equal(t, "boom: the handler broke", infos[0].Value)
	assert.Len(t, infos[0].Stack, 4)
}

func TestServerOnPanicHookPanics(t *testing.T) {
	var sink logSink
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: stats.Discard,
		OnPanic: func(context.Context, grpcmw.PanicInfo) { panic("the hook broke too") }})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...))

	_, err := callUnary(t.Context(), cc, "panic")
	require.Equal(t, codes.Internal, status.Code(err))
	_, err = callUnary(t.Context(), cc, "after")
	require.NoError(t, err)
	r := sink.waitRecords(t, "OnPanic hook panicked", 1)[0]
	assert.Equal(t, "panic: the hook broke too", r["error"])
	assert.NotEmpty(t, r["request_id"], "logged with the call's context")
}

func TestServerStreams(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: rec})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...))

	t.Run("server stream", func(t *testing.T) {
		ctx := metadata.AppendToOutgoingContext(t.Context(), "x-request-id", "stream-id")
		cs, err := cc.NewStream(ctx, countDesc, methodCount)
		require.NoError(t, err)
		require.NoError(t, cs.SendMsg(wrapperspb.String("n:3")))
		require.NoError(t, cs.CloseSend())
		header, err := cs.Header()
		require.NoError(t, err)
		assert.Equal(t, []string{"stream-id"}, header.Get("x-request-id"))
		var got []string
		for {
			m := new(wrapperspb.StringValue)
			if err := cs.RecvMsg(m); errors.Is(err, io.EOF) {
				break
			} else {
				require.NoError(t, err)
			}
			got = append(got, m.Value)
		}
		assert.Equal(t, []string{"stream-id", "stream-id", "stream-id"}, got, "the stream's context carries the ID")
	})

	t.Run("bidi", func(t *testing.T) {
		cs, err := cc.NewStream(t.Context(), chatDesc, methodChat)
		require.NoError(t, err)
		for _, w := range []string{"a", "b"} {
			require.NoError(t, cs.SendMsg(wrapperspb.String(w)))
			m := new(wrapperspb.StringValue)
			require.NoError(t, cs.RecvMsg(m))
			word, id, _ := strings.Cut(m.Value, " ")
			assert.Equal(t, w, word)
			assert.True(t, isHexID(id))
		}
		require.NoError(t, cs.CloseSend())
		require.ErrorIs(t, cs.RecvMsg(new(wrapperspb.StringValue)), io.EOF)
	})

	t.Run("panic", func(t *testing.T) {
		cs, err := cc.NewStream(t.Context(), countDesc, methodCount)
		require.NoError(t, err)
		require.NoError(t, cs.SendMsg(wrapperspb.String("panic:2")))
		require.NoError(t, cs.CloseSend())
		require.NoError(t, cs.RecvMsg(new(wrapperspb.StringValue)))
		err = cs.RecvMsg(new(wrapperspb.StringValue))
		header, _ := cs.Header()
		st := status.Convert(err)
		assert.Equal(t, codes.Internal, st.Code())
		assert.Equal(t, "internal error; request_id="+header.Get("x-request-id")[0], st.Message())
	})

	recs := sink.waitRecords(t, "request", 2)
	byMethod := map[string]map[string]any{}
	for _, r := range recs {
		byMethod[r["method"].(string)] = r
	}
	assert.Equal(t, "server", byMethod[methodCount]["stream"])
	assert.Equal(t, "stream-id", byMethod[methodCount]["request_id"])
	assert.Equal(t, "OK", byMethod[methodCount]["code"])
	assert.Equal(t, "bidi", byMethod[methodChat]["stream"])
	assert.Equal(t, "OK", byMethod[methodChat]["code"])
	p := sink.waitRecords(t, "request panicked", 1)[0]
	assert.Equal(t, "server", p["stream"])
	assert.Equal(t, "panic: boom in a stream", p["error"])
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatServerRequests, stats.T("method", methodCount), stats.T("code", "OK")), rec.Series())
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatServerRequests, stats.T("method", methodCount), stats.T("code", "Internal")))
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatServerRequests, stats.T("method", methodChat), stats.T("code", "OK")))
}

func TestServerInFlight(t *testing.T) {
	rec := statstest.New()
	srv := newServer(t, grpcmw.ServerConfig{Logger: slog.New(slog.DiscardHandler), Stats: rec})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...))

	ctx, cancel := context.WithCancel(t.Context())
	cs, err := cc.NewStream(ctx, countDesc, methodCount)
	require.NoError(t, err)
	require.NoError(t, cs.SendMsg(wrapperspb.String("wait:")))
	require.NoError(t, cs.RecvMsg(new(wrapperspb.StringValue)))
	v, _ := rec.GaugeValue(grpcmw.StatServerInFlight)
	assert.Equal(t, 1.0, v, "the open stream is in flight")
	cancel()
	require.Eventually(t, func() bool {
		v, _ := rec.GaugeValue(grpcmw.StatServerInFlight)
		return v == 0
	}, 5*second, millisecond)
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatServerRequests, stats.T("method", methodCount), stats.T("code", "Canceled")), rec.Series())
}

func TestServerTrust(t *testing.T) {
	cases := []struct {
		name    string
		cfg     grpcmw.ServerConfig
		trusted bool
	}{
		{"none", grpcmw.ServerConfig{Trust: middleware.TrustNone}, false},
		{"other proxies", grpcmw.ServerConfig{Trust: middleware.TrustProxies, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, false},
		{"loopback proxy", grpcmw.ServerConfig{Trust: middleware.TrustProxies, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, true},
		{"custom key", grpcmw.ServerConfig{RequestIDKey: "X-Correlation-ID"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Logger, c.cfg.Stats = slog.New(slog.DiscardHandler), stats.Discard
			cc := dial(t, startServer(t, nil, newServer(t, c.cfg).ServerOptions()...))
			ctx := metadata.AppendToOutgoingContext(t.Context(), "x-request-id", "from-client")
			got, err := callUnary(ctx, cc, "id")
			require.NoError(t, err)
			if c.trusted {
				assert.Equal(t, "from-client", got)
			} else {
				assert.True(t, isHexID(got), got)
			}
		})
	}
	t.Run("custom key accepted", func(t *testing.T) {
		srv := newServer(t, grpcmw.ServerConfig{RequestIDKey: "X-Correlation-ID", Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard})
		cc := dial(t, startServer(t, nil, srv.ServerOptions()...))
		var header metadata.MD
		got, err := callUnary(metadata.AppendToOutgoingContext(t.Context(), "x-correlation-id", "corr-1"), cc, "id", grpc.Header(&header))
		require.NoError(t, err)
		assert.Equal(t, "corr-1", got)
		assert.Equal(t, []string{"corr-1"}, header.Get("x-correlation-id"))
	})
}

func TestServerMaxMethods(t *testing.T) {
	rec := statstest.New()
	srv := newServer(t, grpcmw.ServerConfig{Logger: slog.New(slog.DiscardHandler), Stats: rec, MaxMethods: 1})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...))
	_, err := callUnary(t.Context(), cc, "a")
	require.NoError(t, err)
	_, err = healthpb.NewHealthClient(cc).Check(t.Context(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatServerRequests, stats.T("method", methodUnary), stats.T("code", "OK")))
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatServerRequests, stats.T("method", grpcmw.OtherMethod), stats.T("code", "OK")), rec.Series())
}

func TestServerConfigErrors(t *testing.T) {
	cases := map[string]grpcmw.ServerConfig{
		"ServerConfig.MaxMethods":     {MaxMethods: -1},
		"ServerConfig.StackDepth":     {StackDepth: -1},
		"ServerConfig.RequestIDKey":   {RequestIDKey: "x request id"},
		"ServerConfig.TrustedProxies": {Trust: middleware.TrustProxies},
		"ServerConfig.Trust":          {Trust: middleware.Trust(9)},
	}
	for field, cfg := range cases {
		_, err := grpcmw.NewServerInterceptor(cfg)
		require.Error(t, err, field)
		assert.Contains(t, err.Error(), field)
		assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
		assert.NotEmpty(t, errctx.RemediesOf(err), field)
	}
	_, err := grpcmw.NewServerInterceptor(grpcmw.ServerConfig{RequestIDKey: "trace-bin"})
	assert.ErrorContains(t, err, "ServerConfig.RequestIDKey")
}
