package grpcmw_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// TestClientCallsNeverSentAreTheCallersError: a call gRPC would refuse to
// send (invalid outgoing metadata) or whose caller's context is already
// over is never sent, never counts against the target's breaker, is
// counted as CodeUnsent without a timing, and is logged at WARN, or at
// INFO when the caller cancelled it.
func TestClientCallsNeverSentAreTheCallersError(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	addr := plainServer(t)
	cli := newClient(t, grpcmw.ClientConfig{Logger: sink.logger(), Stats: rec,
		BreakerConfig: func(string) breaker.Config { return breaker.Config{ConsecutiveFailures: 1, OpenDuration: time.Hour} }})
	cc := dial(t, addr, cli.DialOptions()...)

	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	cancelled, cancelNow := context.WithCancel(t.Context())
	cancelNow()
	cases := []struct {
		name  string
		ctx   context.Context
		code  codes.Code
		class errctx.Class
		level string
	}{
		{"value with a line break", metadata.AppendToOutgoingContext(t.Context(), "x-note", "a\nb"), codes.InvalidArgument, errctx.Permanent, "WARN"},
		{"key with a space", metadata.NewOutgoingContext(t.Context(), metadata.MD{"bad key": {"v"}}), codes.InvalidArgument, errctx.Permanent, "WARN"},
		{"deadline already past", expired, codes.DeadlineExceeded, errctx.Transient, "WARN"},
		{"cancelled already", cancelled, codes.Canceled, errctx.NotAFailure, "INFO"},
	}
	for _, c := range cases {
		_, err := callUnary(c.ctx, cc, "id")
		require.Error(t, err, c.name)
		assert.Equal(t, c.code, status.Code(err), c.name)
		assert.Equal(t, c.class, errctx.ClassOf(err), c.name)
		assert.NotErrorIs(t, err, breaker.ErrOpen, c.name)
		require.NotEmpty(t, errctx.RemediesOf(err), c.name)
	}
	_, err := cc.NewStream(cases[0].ctx, &grpc.StreamDesc{ServerStreams: true}, methodCount)
	require.Error(t, err)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "streams are checked too")

	_, err = callUnary(t.Context(), cc, "id")
	require.NoError(t, err, "the breaker saw none of the calls that were not sent")
	assert.Equal(t, breaker.Closed, cli.Breaker(addr, "").State())

	unsent := func(method string) []stats.Tag {
		return []stats.Tag{stats.T("target", addr), stats.T("method", method), stats.T("code", grpcmw.CodeUnsent)}
	}
	assert.EqualValues(t, len(cases), rec.Counted(grpcmw.StatClientRequests, unsent(methodUnary)...), rec.Series())
	assert.EqualValues(t, 1, rec.Counted(grpcmw.StatClientRequests, unsent(methodCount)...))
	assert.Empty(t, rec.Timings(grpcmw.StatClientDuration, unsent(methodUnary)...), "nothing was sent, nothing to time")

	recs := sink.waitRecords(t, "outbound request", len(cases)+2)
	for i, c := range cases {
		assert.Equal(t, c.level, recs[i]["level"], c.name)
		assert.Equal(t, grpcmw.CodeUnsent, recs[i]["code"], c.name)
	}
}
