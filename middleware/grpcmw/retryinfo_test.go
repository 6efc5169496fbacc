package grpcmw_test

import (
	"context"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware/grpcmw"
)

// A server that sheds a call says so with Unavailable or
// ResourceExhausted and a google.rpc.RetryInfo: gRPC's 503 or 429 with
// Retry-After. The client's error must carry the delay the server asked
// for, as middleware.ResponseError carries an HTTP Retry-After, so that
// retry.Do waits it (within its cap) instead of calling again at once; and
// a shed call was not processed, so it is Transient, as a 503 is. A
// hostile delay (negative, or 10,000 years) is no delay or the longest
// Duration, never a wrapped-around one.
func TestClientErrorCarriesTheServersRetryInfo(t *testing.T) {
	delays := map[string]*durationpb.Duration{
		"seven":    durationpb.New(7 * time.Second),
		"negative": {Seconds: -5},
		"huge":     {Seconds: 315576000000},
		"invalid":  {Seconds: 1, Nanos: -1},
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		method, _ := grpc.MethodFromServerStream(stream)
		name := method[strings.LastIndexByte(method, '/')+1:]
		code := codes.Unavailable
		if strings.HasPrefix(name, "exhausted") {
			code, name = codes.ResourceExhausted, "seven"
		}
		st, err := status.New(code, "busy").WithDetails(&errdetails.RetryInfo{RetryDelay: delays[name]})
		require.NoError(t, err)
		return st.Err()
	}))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cc := dial(t, lis.Addr().String(), newClient(t, grpcmw.ClientConfig{Breaker: grpcmw.NoBreaker}).DialOptions()...)

	for name, want := range map[string]struct {
		code  codes.Code
		after time.Duration // 0: none
	}{
		"seven":     {codes.Unavailable, 7 * time.Second},
		"exhausted": {codes.ResourceExhausted, 7 * time.Second},
		"huge":      {codes.Unavailable, math.MaxInt64},
		"negative":  {codes.Unavailable, 0},
		"invalid":   {codes.Unavailable, 0},
	} {
		t.Run(name, func(t *testing.T) {
			err := cc.Invoke(context.Background(), "/t.Shed/"+name, wrapperspb.String(""), new(wrapperspb.StringValue))
			require.Error(t, err)
			assert.Equal(t, want.code, status.Code(err))
			after, ok := errctx.RetryAfterOf(err)
			assert.Equal(t, want.after, after)
			assert.Equal(t, want.after > 0, ok)
			if want.after > 0 {
				assert.Equal(t, errctx.Transient, errctx.ClassOf(err), "a shed call was not processed")
			}
		})
	}
}
