package grpcmw_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware/grpcmw"
)

// A request message gRPC cannot marshal (a proto3 string that is not
// UTF-8) is never sent: the caller's mistake, as a request net/http
// refuses is for the HTTP Transport. gRPC answers it Internal, which the
// breaker counts by default: one such call must not open a touchy breaker
// on a healthy server, nor be logged as the server's failure.
func TestClientMessageThatCannotBeMarshalledIsTheCallersError(t *testing.T) {
	sink := &logSink{}
	cli := newClient(t, grpcmw.ClientConfig{Logger: sink.logger(),
		BreakerConfig: func(string) breaker.Config {
			return breaker.Config{ConsecutiveFailures: 1, OpenDuration: time.Hour}
		}})
	cc := dial(t, startServer(t, nil), cli.DialOptions()...)

	_, err := callUnary(t.Context(), cc, "not UTF-8: \xff")
	require.Error(t, err)
	assert.NotErrorIs(t, err, breaker.ErrOpen)
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	rec := sink.waitRecords(t, "outbound request", 1)[0]
	assert.Equal(t, "WARN", rec["level"])

	_, err = callUnary(t.Context(), cc, "fine")
	require.NoError(t, err, "the breaker opened over the caller's message: %v", status.Code(err) == codes.Unavailable)
}

// A server whose reply cannot be marshalled answers with the code and text
// of a request the client could not marshal; that one is the server's
// failure and counts against its breaker. A request over the call's
// MaxCallSendMsgSize is never sent, and is the caller's mistake.
func TestServersMarshalFailureCountsButAnOversizedRequestDoesNot(t *testing.T) {
	cli := newClient(t, grpcmw.ClientConfig{Logger: (&logSink{}).logger(),
		BreakerConfig: func(string) breaker.Config {
			return breaker.Config{ConsecutiveFailures: 1, OpenDuration: time.Hour}
		}})
	cc := dial(t, startServer(t, nil), cli.DialOptions()...)

	_, err := callUnary(t.Context(), cc, strings.Repeat("x", 64), grpc.MaxCallSendMsgSize(16))
	require.Error(t, err)
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	_, err = callUnary(t.Context(), cc, "fine")
	require.NoError(t, err, "an oversized request opened the breaker")

	_, err = callUnary(t.Context(), cc, "bad reply")
	require.Equal(t, codes.Internal, status.Code(err))
	_, err = callUnary(t.Context(), cc, "fine")
	assert.ErrorIs(t, err, breaker.ErrOpen, "the server's failure to marshal its reply is a failure")
}
