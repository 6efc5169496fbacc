package grpcmw_test

import (
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/vitals-go/vitals/middleware/grpcmw"
)

// unreadableError is a handler's error whose Error method panics.
type unreadableError struct{}

func (unreadableError) Error() string { panic("Error() broke") }

// A handler's error is user code too: one whose Error method panics
// crashed the whole server (in the interceptor reading its status, or in
// gRPC's own code after it). It is answered as a handler panic: Internal
// with the request ID, logged at ERROR, and the server keeps serving,
// unary and streaming alike.
func TestHandlerErrorThatPanicsWhenReadIsAnsweredAsAPanic(t *testing.T) {
	sink := &logSink{}
	srvI := newServer(t, grpcmw.ServerConfig{Logger: sink.logger()})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer(append(srvI.ServerOptions(), grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		return unreadableError{}
	}))...)
	srv.RegisterService(&echoDesc, &echo{})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cc := dial(t, lis.Addr().String())

	for _, call := range []func() error{
		func() error { _, err := callUnary(t.Context(), cc, "unreadable"); return err },
		func() error {
			return cc.Invoke(t.Context(), "/t.Unknown/Stream", wrapperspb.String(""), new(wrapperspb.StringValue))
		},
	} {
		err := call()
		require.Error(t, err)
		assert.Equal(t, codes.Internal, status.Code(err))
		assert.True(t, strings.HasPrefix(status.Convert(err).Message(), "internal error; request_id="), status.Convert(err).Message())
	}
	for _, rec := range sink.waitRecords(t, "request panicked", 2) {
		assert.Equal(t, "ERROR", rec["level"])
		assert.Equal(t, "panic: the handler returned an error that panics when read: Error() broke", rec["error"])
	}
	_, err = callUnary(t.Context(), cc, "fine")
	require.NoError(t, err, "the server kept serving")
}
