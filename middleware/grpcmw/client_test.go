package grpcmw_test

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// plainServer serves the echo service with the server interceptor logging
// nowhere, so client tests see only client records.
func plainServer(t *testing.T) string {
	t.Helper()
	srv := newServer(t, grpcmw.ServerConfig{Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard})
	return startServer(t, nil, srv.ServerOptions()...)
}

func TestClientPropagatesRequestID(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{Logger: sink.logger(), Stats: rec})
	cc := dial(t, addr, cli.DialOptions()...)

	ctx := reqid.With(t.Context(), "caller-id-7")
	got, err := callUnary(ctx, cc, "id")
	require.NoError(t, err)
	assert.Equal(t, "caller-id-7", got, "the server sees the caller's request ID")

	r := sink.waitRecords(t, "outbound request", 1)[0]
	assert.Equal(t, "INFO", r["level"])
	assert.Equal(t, methodUnary, r["method"])
	assert.Equal(t, addr, r["target"])
	assert.Equal(t, "OK", r["code"])
	assert.Equal(t, "caller-id-7", r["request_id"])
	assert.Contains(t, r, "duration")
	assert.NotContains(t, r, "error")

	tags := []stats.Tag{stats.T("target", addr), stats.T("method", methodUnary), stats.T("code", "OK")}
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatClientRequests, tags...), rec.Series())
	assert.Len(t, rec.Timings(grpcmw.StatClientDuration, tags...), 1)
}

func TestClientInvalidRequestIDNeverFailsTheCall(t *testing.T) {
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard})
	cc := dial(t, addr, cli.DialOptions()...)
	bare := dial(t, addr)

	// gRPC refuses to send metadata values outside printable ASCII.
	hostile := "caf\u00e9\n\x00"
	_, err := callUnary(metadata.AppendToOutgoingContext(t.Context(), "x-request-id", hostile), bare, "id")
	require.Error(t, err, "without the interceptor the call fails")

	cases := []struct {
		name string
		ctx  context.Context
		want string // "" means a new ID made by the server
	}{
		{"invalid context ID dropped", reqid.With(t.Context(), hostile), ""},
		{"invalid metadata dropped", metadata.AppendToOutgoingContext(t.Context(), "x-request-id", hostile), ""},
		{"invalid metadata replaced by the context's ID",
			metadata.AppendToOutgoingContext(reqid.With(t.Context(), "ctx-id"), "x-request-id", hostile), "ctx-id"},
		{"valid metadata kept", metadata.AppendToOutgoingContext(reqid.With(t.Context(), "ctx-id"), "x-request-id", "md-id"), "md-id"},
		{"repeated values cut to one", metadata.AppendToOutgoingContext(t.Context(), "x-request-id", "md-1", "x-request-id", "md-2"), "md-1"},
		{"context ID added to other metadata", metadata.AppendToOutgoingContext(reqid.With(t.Context(), "ctx-id"), "tenant", "a"), "ctx-id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := callUnary(c.ctx, cc, "id")
			require.NoError(t, err)
			if c.want == "" {
				assert.True(t, isHexID(got), got)
			} else {
				assert.Equal(t, c.want, got)
			}
		})
	}
}

func TestClientErrorsKeepStatusAndWrapErrctx(t *testing.T) {
	var sink logSink
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{Logger: sink.logger(), Stats: stats.Discard})
	cc := dial(t, addr, cli.DialOptions()...)

	_, err := callUnary(t.Context(), cc, "code:NotFound")
	require.Error(t, err)
	st, ok := status.FromError(err)
	require.True(t, ok)
	assert.Equal(t, codes.NotFound, st.Code())
	assert.Equal(t, "the test asked for code:NotFound", st.Message(), "the server's status, unchanged")
	assert.Equal(t, errctx.NotAFailure, errctx.ClassOf(err), "a NotFound is an answer")
	assert.Equal(t, []string{"call " + methodUnary + " at " + addr}, errctx.AttemptedOf(err))
	assert.NotEmpty(t, errctx.RemediesOf(err))
	var target *errctx.Error
	assert.ErrorAs(t, err, &target)

	r := sink.waitRecords(t, "outbound request", 1)[0]
	assert.Equal(t, "INFO", r["level"], "an answer is logged at Info")
	assert.Equal(t, "NotFound", r["code"])
	assert.Contains(t, r, "error")
	assert.Equal(t, "call "+methodUnary+" at "+addr, r["attempted"])
	assert.NotEmpty(t, r["remedy"])

	for code, class := range map[codes.Code]errctx.Class{
		codes.Unavailable: errctx.Indeterminate, codes.Internal: errctx.Indeterminate,
		codes.ResourceExhausted: errctx.Transient, codes.Unimplemented: errctx.Permanent,
		codes.InvalidArgument: errctx.NotAFailure,
	} {
		_, err := callUnary(t.Context(), cc, "code:"+code.String())
		assert.Equal(t, code, status.Code(err))
		assert.Equal(t, class, errctx.ClassOf(err), code)
	}
}

// TestClientTimeoutSoonerWins: against the real server, whose handler waits
// for its context to end, the sooner of the caller's deadline and
// ClientConfig.Timeout ends a unary call, and the error says which.
func TestClientTimeoutSoonerWins(t *testing.T) {
	addr := plainServer(t)
	for _, tc := range []struct {
		name            string
		timeout, caller time.Duration // caller 0: no deadline
		remedy          string
	}{
		{"no caller deadline", 200 * millisecond, 0, "per-call timeout (200ms)"},
		{"a caller's minute does not lift the per-call bound", 200 * millisecond, time.Minute, "per-call timeout (200ms)"},
		{"a caller's sooner deadline wins", time.Minute, 200 * millisecond, "the caller's deadline ran out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli := newClient(t, grpcmw.ClientConfig{Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard,
				Timeout: tc.timeout, Breaker: grpcmw.NoBreaker})
			require.Nil(t, cli.Breaker(addr, methodUnary), "NoBreaker")
			cc := dial(t, addr, cli.DialOptions()...)
			start := time.Now()
			ctx := t.Context()
			if tc.caller > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.caller)
				defer cancel()
			}
			_, err := callUnary(ctx, cc, "wait")
			elapsed := time.Since(start)

			want := min(tc.timeout, cmp.Or(tc.caller, tc.timeout))
			assert.GreaterOrEqual(t, elapsed, want)
			assert.Less(t, elapsed, want+second, "the call ends at the sooner deadline, %v", want)
			assert.Equal(t, codes.DeadlineExceeded, status.Code(err))
			assert.Equal(t, errctx.Indeterminate, errctx.ClassOf(err), "a timeout is an indeterminate outcome")
			require.NotEmpty(t, errctx.RemediesOf(err))
			assert.Contains(t, errctx.RemediesOf(err)[0], tc.remedy)
			if tc.caller > tc.timeout {
				assert.NoError(t, ctx.Err(), "the caller's own deadline is still ahead")
			}
		})
	}
}

// TestClientDeadlineOfOurOwnOnlyWhenSooner looks at the context the
// interceptor hands gRPC: a deadline of its own (released when the call
// returns) only when the caller has none or a later one; under a sooner
// caller deadline, or a negative Timeout, the caller's context as it is.
func TestClientDeadlineOfOurOwnOnlyWhenSooner(t *testing.T) {
	cc := dial(t, "passthrough:///deadlines")
	const timeout = time.Second
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		caller  time.Duration // 0: no deadline
		ours    bool
	}{
		{"no caller deadline", timeout, 0, true},
		{"caller's later deadline", timeout, time.Hour, true},
		{"caller's sooner deadline", timeout, 100 * millisecond, false},
		{"negative Timeout", -1, time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli := newClient(t, grpcmw.ClientConfig{Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard,
				Timeout: tc.timeout, Breaker: grpcmw.NoBreaker})
			ctx := t.Context()
			if tc.caller > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.caller)
				defer cancel()
			}
			var sent context.Context
			before := time.Now()
			require.NoError(t, cli.Unary(ctx, methodUnary, nil, nil, cc,
				func(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
					sent = ctx
					return nil
				}))
			after := time.Now()

			deadline, has := sent.Deadline()
			if !tc.ours {
				callerDeadline, _ := ctx.Deadline()
				assert.Equal(t, callerDeadline, deadline, "the caller's deadline, unchanged")
				assert.Equal(t, ctx.Done(), sent.Done(), "no context, no timer of our own")
				return
			}
			require.True(t, has)
			assert.False(t, deadline.Before(before.Add(timeout)), "the per-call bound")
			assert.False(t, deadline.After(after.Add(timeout)), "the per-call bound")
			assert.ErrorIs(t, sent.Err(), context.Canceled, "our deadline's timer is released when the call returns")
			assert.NoError(t, ctx.Err())
		})
	}
}

func TestClientBreakerOpensAndRecovers(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	srvRec := statstest.New()
	srv := newServer(t, grpcmw.ServerConfig{Logger: slog.New(slog.DiscardHandler), Stats: srvRec})
	addr := startServer(t, nil, srv.ServerOptions()...)
	cli := newClient(t, grpcmw.ClientConfig{Logger: sink.logger(), Stats: rec,
		BreakerConfig: func(name string) breaker.Config {
			return breaker.Config{ConsecutiveFailures: 2, OpenDuration: 50 * time.Millisecond}
		}})
	cc := dial(t, addr, cli.DialOptions()...)
	b := cli.Breaker(addr, "")
	require.NotNil(t, b)
	assert.Equal(t, addr, b.Name(), "PerTarget breakers are named after the target")

	for range 10 {
		_, err := callUnary(t.Context(), cc, "code:NotFound")
		require.Equal(t, codes.NotFound, status.Code(err))
	}
	assert.Equal(t, breaker.Closed, b.State(), "NotFound is a business outcome, not a failure")

	for range 2 {
		_, err := callUnary(t.Context(), cc, "code:Unavailable")
		require.Equal(t, codes.Unavailable, status.Code(err))
	}
	assert.Equal(t, breaker.Open, b.State())
	served := srvRec.Counted(grpcmw.StatServerRequests, stats.T("method", methodUnary), stats.T("code", "Unavailable"))

	_, err := callUnary(reqid.With(t.Context(), "rejected-call"), cc, "code:Unavailable")
	require.Error(t, err)
	assert.Equal(t, codes.Unavailable, status.Code(err), "a rejection is a gRPC Unavailable")
	assert.ErrorIs(t, err, breaker.ErrOpen)
	assert.Equal(t, errctx.Transient, errctx.ClassOf(err), "never sent: safe to retry")
	after, ok := errctx.RetryAfterOf(err)
	assert.True(t, ok)
	assert.Positive(t, after)
	assert.Equal(t, served, srvRec.Counted(grpcmw.StatServerRequests, stats.T("method", methodUnary), stats.T("code", "Unavailable")),
		"the rejected call never reached the server")
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatClientRequests, stats.T("target", addr), stats.T("method", methodUnary), stats.T("code", grpcmw.CodeRejected)), rec.Series())
	assert.Empty(t, rec.Timings(grpcmw.StatClientDuration, stats.T("target", addr), stats.T("method", methodUnary), stats.T("code", grpcmw.CodeRejected)),
		"a rejection is counted, not timed: its near-zero time would drag the latency panels down")

	var rejected map[string]any
	for _, r := range sink.records(t, "outbound request") {
		if r["request_id"] == "rejected-call" {
			rejected = r
		}
	}
	require.NotNil(t, rejected)
	assert.Equal(t, "DEBUG", rejected["level"], "the breaker announced it opened; a record per rejected call would flood")
	assert.Equal(t, grpcmw.CodeRejected, rejected["code"])
	assert.Contains(t, rejected["remedy"], "resume")

	// Once the open period is over, a probe goes through and closes it.
	require.Eventually(t, func() bool {
		_, err := callUnary(t.Context(), cc, "ok")
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, breaker.Closed, b.State())
}

func TestClientBreakerPerMethod(t *testing.T) {
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard, Breaker: grpcmw.PerMethod,
		BreakerConfig: func(string) breaker.Config { return breaker.Config{ConsecutiveFailures: 1, OpenDuration: time.Hour} }})
	cc := dial(t, addr, cli.DialOptions()...)

	_, err := callUnary(t.Context(), cc, "code:Internal")
	require.Equal(t, codes.Internal, status.Code(err))
	unary := cli.Breaker(addr, methodUnary)
	assert.Equal(t, addr+methodUnary, unary.Name())
	assert.Equal(t, breaker.Open, unary.State())
	_, err = callUnary(t.Context(), cc, "ok")
	assert.ErrorIs(t, err, breaker.ErrOpen)

	cs, err := cc.NewStream(t.Context(), countDesc, methodCount)
	require.NoError(t, err, "another method of the same target has its own breaker")
	require.NoError(t, cs.SendMsg(wrapperspb.String("n:1")))
	require.NoError(t, cs.CloseSend())
	require.NoError(t, cs.RecvMsg(new(wrapperspb.StringValue)))
	require.ErrorIs(t, cs.RecvMsg(new(wrapperspb.StringValue)), io.EOF)
	assert.Equal(t, breaker.Closed, cli.Breaker(addr, methodCount).State())
}

func TestClientStreams(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{Logger: sink.logger(), Stats: rec,
		BreakerConfig: func(string) breaker.Config { return breaker.Config{ConsecutiveFailures: 1, OpenDuration: time.Hour} }})
	cc := dial(t, addr, cli.DialOptions()...)
	ctx := reqid.With(t.Context(), "stream-caller")

	t.Run("server stream ends OK", func(t *testing.T) {
		cs, err := cc.NewStream(ctx, countDesc, methodCount)
		require.NoError(t, err)
		require.NoError(t, cs.SendMsg(wrapperspb.String("n:2")))
		require.NoError(t, cs.CloseSend())
		for range 2 {
			m := new(wrapperspb.StringValue)
			require.NoError(t, cs.RecvMsg(m))
			assert.Equal(t, "stream-caller", m.Value)
		}
		require.ErrorIs(t, cs.RecvMsg(new(wrapperspb.StringValue)), io.EOF, "io.EOF is passed through unwrapped")
	})

	t.Run("bidi", func(t *testing.T) {
		cs, err := cc.NewStream(ctx, chatDesc, methodChat)
		require.NoError(t, err)
		require.NoError(t, cs.SendMsg(wrapperspb.String("hi")))
		m := new(wrapperspb.StringValue)
		require.NoError(t, cs.RecvMsg(m))
		assert.Equal(t, "hi stream-caller", m.Value)
		require.NoError(t, cs.CloseSend())
		require.ErrorIs(t, cs.RecvMsg(m), io.EOF)
	})

	t.Run("caller cancels", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		cs, err := cc.NewStream(ctx, countDesc, methodCount)
		require.NoError(t, err)
		require.NoError(t, cs.SendMsg(wrapperspb.String("wait:")))
		require.NoError(t, cs.RecvMsg(new(wrapperspb.StringValue)))
		cancel()
		err = cs.RecvMsg(new(wrapperspb.StringValue))
		assert.Equal(t, codes.Canceled, status.Code(err))
		assert.Equal(t, breaker.Closed, cli.Breaker(addr, "").State(), "the caller's cancellation is not the server's failure")
	})

	t.Run("failure opens the breaker", func(t *testing.T) {
		cs, err := cc.NewStream(ctx, countDesc, methodCount)
		require.NoError(t, err)
		require.NoError(t, cs.SendMsg(wrapperspb.String("code:Unavailable")))
		require.NoError(t, cs.RecvMsg(new(wrapperspb.StringValue)))
		err = cs.RecvMsg(new(wrapperspb.StringValue))
		assert.Equal(t, codes.Unavailable, status.Code(err))
		assert.Equal(t, []string{"call " + methodCount + " at " + addr}, errctx.AttemptedOf(err))
		assert.Equal(t, breaker.Open, cli.Breaker(addr, "").State())
		_, err = cc.NewStream(ctx, countDesc, methodCount)
		assert.ErrorIs(t, err, breaker.ErrOpen)
		assert.Equal(t, codes.Unavailable, status.Code(err))
	})

	recs := sink.waitRecords(t, "outbound request", 5)
	codesSeen := map[string]int{}
	for _, r := range recs {
		assert.Equal(t, true, r["stream"])
		assert.Equal(t, "stream-caller", r["request_id"])
		codesSeen[r["code"].(string)]++
	}
	assert.Equal(t, map[string]int{"OK": 2, "Canceled": 1, "Unavailable": 1, grpcmw.CodeRejected: 1}, codesSeen)
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatClientRequests, stats.T("target", addr), stats.T("method", methodChat), stats.T("code", "OK")), rec.Series())
}

func TestClientConfigErrors(t *testing.T) {
	cases := map[string]grpcmw.ClientConfig{
		"ClientConfig.MaxMethods":   {MaxMethods: -1},
		"ClientConfig.Breaker":      {Breaker: grpcmw.BreakerScope(7)},
		"ClientConfig.RequestIDKey": {RequestIDKey: "x:id"},
	}
	for field, cfg := range cases {
		_, err := grpcmw.NewClientInterceptor(cfg)
		require.Error(t, err, field)
		assert.Contains(t, err.Error(), field)
		assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	}
}

func TestClientBadBreakerConfigFailsCalls(t *testing.T) {
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard,
		BreakerConfig: func(string) breaker.Config { return breaker.Config{FailureRate: 2} }})
	cc := dial(t, addr, cli.DialOptions()...)
	_, err := callUnary(t.Context(), cc, "ok")
	require.Error(t, err)
	assert.Contains(t, errctx.AttemptedOf(err), "build the breaker of "+addr)
	assert.False(t, errors.Is(err, breaker.ErrOpen))
	assert.Equal(t, codes.Internal, status.Code(err))
}
