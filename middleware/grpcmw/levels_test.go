package grpcmw_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats/statstest"
)

// TestLevelsOfShedAndCancelledCalls checks the rows of the levels table
// that are not plain codes: a call the handler shed (Unavailable with a
// RetryInfo, or wrapping a dependency's breaker.ErrOpen) is Warn, not
// Error, on the server and, for the RetryInfo that crosses the wire, on
// the client; a Canceled call is Info on the server.
func TestLevelsOfShedAndCancelledCalls(t *testing.T) {
	var srvSink, cliSink logSink
	srv := newServer(t, grpcmw.ServerConfig{Logger: srvSink.logger()})
	cli := newClient(t, grpcmw.ClientConfig{Logger: cliSink.logger()})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...), cli.DialOptions()...)

	for _, c := range []struct {
		in, server, client string
	}{
		{"shed", "WARN", "WARN"},
		{"fenced", "WARN", "ERROR"}, // no RetryInfo crossed the wire: for the client, no answer
		{"code:Unavailable", "ERROR", "ERROR"},
		{"code:Canceled", "INFO", "INFO"},
	} {
		_, err := callUnary(reqid.With(t.Context(), "levels-"+c.in[len(c.in)-4:]), cc, c.in)
		require.Error(t, err, c.in)
		want := codes.Unavailable
		if c.in == "code:Canceled" {
			want = codes.Canceled
		}
		require.Equal(t, want, status.Code(err), c.in)
		id := "levels-" + c.in[len(c.in)-4:]
		var srec, crec map[string]any
		require.Eventually(t, func() bool {
			for _, r := range srvSink.records(t, "request") {
				if r["request_id"] == id {
					srec = r
				}
			}
			return srec != nil
		}, 5*second, millisecond, c.in)
		for _, r := range cliSink.records(t, "outbound request") {
			if r["request_id"] == id {
				crec = r
			}
		}
		require.NotNil(t, crec, c.in)
		assert.Equal(t, c.server, srec["level"], "server record of %s", c.in)
		assert.Equal(t, c.client, crec["level"], "client record of %s", c.in)
	}
}

// TestServerLevelOfAClientThatCancelled: a client that really cancels
// its call mid-way leaves a server record at Info with code Canceled: the
// client went away, neither side failed.
func TestServerLevelOfAClientThatCancelled(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: rec})
	cc := dial(t, startServer(t, nil, srv.ServerOptions()...))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		// Cancel once the handler runs.
		assert.Eventually(t, func() bool {
			v, _ := rec.GaugeValue(grpcmw.StatServerInFlight)
			return v == 1
		}, 5*second, millisecond)
		cancel()
	}()
	_, err := callUnary(ctx, cc, "wait")
	require.Equal(t, codes.Canceled, status.Code(err))
	r := sink.waitRecords(t, "request", 1)[0]
	assert.Equal(t, "Canceled", r["code"])
	assert.Equal(t, "INFO", r["level"])
}
