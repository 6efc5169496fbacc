package grpcmw_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/reqid"
)

// logSink collects the JSON log lines written concurrently by servers
// under test.
type logSink struct{ logtest.Buffer }

// logger returns a vitals JSON logger at debug level writing to s.
func (s *logSink) logger() *slog.Logger {
	return log.New(log.Options{Writer: s, Level: slog.LevelDebug})
}

// records returns the records logged so far whose msg is msg.
func (s *logSink) records(t *testing.T, msg string) []logtest.Record {
	t.Helper()
	return s.Find(t, logtest.Msg(msg))
}

// waitRecords waits (bounded) until n records with msg are logged: a
// server logs a call after its response is on the wire, so the client may
// see it first.
func (s *logSink) waitRecords(t *testing.T, msg string, n int) []logtest.Record {
	t.Helper()
	return s.Wait(t, logtest.Msg(msg), n)
}

// The test service, vitals.test.Echo, is written by hand (no protoc):
// messages are wrapperspb.StringValue and the input says what to do.
//
//	Unary: "panic" panics, "code:NotFound" returns that code, "wait" waits
//	       for the deadline, "log" logs a record, "shed" returns Unavailable
//	       with a RetryInfo, "fenced" an Unavailable wrapping
//	       breaker.ErrOpen, "unreadable" an error whose Error method
//	       panics; every reply is the call's request ID.
//	Count: server stream of n messages for "n:3", "panic:2" panics after 2,
//	       "code:X" returns code X after one message.
//	Chat:  bidi; echoes each message with the request ID until the client
//	       closes, or panics on "panic".
const (
	methodUnary = "/vitals.test.Echo/Unary"
	methodCount = "/vitals.test.Echo/Count"
	methodChat  = "/vitals.test.Echo/Chat"
)

type echo struct{ logger *slog.Logger }

func (e *echo) unary(ctx context.Context, in string) (string, error) {
	id, _ := reqid.From(ctx)
	switch {
	case in == "panic":
		panic("boom: the handler broke")
	case in == "wait":
		<-ctx.Done()
		return "", ctx.Err()
	case in == "log":
		e.logger.InfoContext(ctx, "inside the handler")
	case strings.HasPrefix(in, "code:"):
		return "", status.Error(codeByName(in[len("code:"):]), "the test asked for "+in)
	case in == "shed":
		st, err := status.New(codes.Unavailable, "busy: retry in a second").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(second)})
		if err != nil {
			return "", err
		}
		return "", st.Err()
	case in == "unreadable":
		return "", unreadableError{}
	case in == "bad reply":
		return "not UTF-8: \xff", nil // a reply gRPC cannot marshal on the server
	case in == "fenced":
		// What a handler returns when it passes on a dependency's open breaker.
		return "", fmt.Errorf("payments fenced off: %w (%w)", breaker.ErrOpen, status.Error(codes.Unavailable, "payments is unavailable"))
	}
	return id, nil
}

func (e *echo) count(in string, stream grpc.ServerStream) error {
	id, _ := reqid.From(stream.Context())
	kind, arg, _ := strings.Cut(in, ":")
	switch kind {
	case "code":
		if err := stream.SendMsg(wrapperspb.String(id)); err != nil {
			return err
		}
		return status.Error(codeByName(arg), "the test asked for "+in)
	case "wait":
		if err := stream.SendMsg(wrapperspb.String(id)); err != nil {
			return err
		}
		<-stream.Context().Done()
		return stream.Context().Err()
	}
	n, _ := strconv.Atoi(arg)
	for i := range n {
		if kind == "panic" && i == n-1 {
			panic("boom in a stream")
		}
		if err := stream.SendMsg(wrapperspb.String(id)); err != nil {
			return err
		}
	}
	return nil
}

func (e *echo) chat(stream grpc.ServerStream) error {
	id, _ := reqid.From(stream.Context())
	for {
		in := new(wrapperspb.StringValue)
		if err := stream.RecvMsg(in); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if in.Value == "panic" {
			panic("boom in a chat")
		}
		if err := stream.SendMsg(wrapperspb.String(in.Value + " " + id)); err != nil {
			return err
		}
	}
}

func codeByName(name string) codes.Code {
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if c.String() == name {
			return c
		}
	}
	return codes.Unknown
}

var echoDesc = grpc.ServiceDesc{
	ServiceName: "vitals.test.Echo",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{MethodName: "Unary", Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
		in := new(wrapperspb.StringValue)
		if err := dec(in); err != nil {
			return nil, err
		}
		h := func(ctx context.Context, req any) (any, error) {
			out, err := srv.(*echo).unary(ctx, req.(*wrapperspb.StringValue).Value)
			if err != nil {
				return nil, err
			}
			return wrapperspb.String(out), nil
		}
		if icpt == nil {
			return h(ctx, in)
		}
		return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: methodUnary}, h)
	}}},
	Streams: []grpc.StreamDesc{
		{StreamName: "Count", ServerStreams: true, Handler: func(srv any, stream grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			return srv.(*echo).count(in.Value, stream)
		}},
		{StreamName: "Chat", ServerStreams: true, ClientStreams: true, Handler: func(srv any, stream grpc.ServerStream) error {
			return srv.(*echo).chat(stream)
		}},
	},
}

var (
	countDesc = &grpc.StreamDesc{StreamName: "Count", ServerStreams: true}
	chatDesc  = &grpc.StreamDesc{StreamName: "Chat", ServerStreams: true, ClientStreams: true}
)

// startServer serves the echo and health services on 127.0.0.1:0 with opts
// and returns the address; the server stops with the test.
func startServer(t testing.TB, handlerLogger *slog.Logger, opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer(opts...)
	srv.RegisterService(&echoDesc, &echo{logger: handlerLogger})
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// dial connects to addr with opts; the connection closes with the test.
func dial(t testing.TB, addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(addr, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// callUnary calls Unary with in and returns the reply's value.
func callUnary(ctx context.Context, cc *grpc.ClientConn, in string, opts ...grpc.CallOption) (string, error) {
	out := new(wrapperspb.StringValue)
	err := cc.Invoke(ctx, methodUnary, wrapperspb.String(in), out, opts...)
	return out.GetValue(), err
}

// newServer builds a server interceptor or fails the test.
func newServer(t testing.TB, cfg grpcmw.ServerConfig) *grpcmw.ServerInterceptor {
	t.Helper()
	s, err := grpcmw.NewServerInterceptor(cfg)
	require.NoError(t, err)
	return s
}

// newClient builds a client interceptor or fails the test.
func newClient(t testing.TB, cfg grpcmw.ClientConfig) *grpcmw.ClientInterceptor {
	t.Helper()
	c, err := grpcmw.NewClientInterceptor(cfg)
	require.NoError(t, err)
	return c
}

// isHexID reports whether id looks like one made by reqid.New.
func isHexID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

const (
	millisecond = time.Millisecond
	second      = time.Second
)
