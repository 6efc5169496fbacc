package middleware_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// TestTransportNameTellsTwoTransportsApart: two transports calling one
// host count, log and fence it off each under its own name.
func TestTransportNameTellsTwoTransportsApart(t *testing.T) {
	srv := newPlainServer(t, http.NotFoundHandler())
	host := strings.TrimPrefix(srv.URL, "http://")
	rec := statstest.New()
	sink := &logSink{}
	var trs [2]*middleware.ClientTransport
	for i, name := range []string{"billing", "search"} {
		tr, err := middleware.NewTransport(nil, middleware.TransportOptions{Name: name, Stats: rec, Logger: sink.logger()})
		require.NoError(t, err)
		trs[i] = tr
		for range i + 1 {
			_, err := call(t, &http.Client{Transport: tr}, context.Background(), srv.URL)
			require.NoError(t, err)
		}
	}
	for i, name := range []string{"billing", "search"} {
		tags := []stats.Tag{stats.T("client", name), stats.T("host", host), stats.T("status", "4xx")}
		assert.EqualValues(t, i+1, rec.Counted(middleware.StatClientRequests, tags...), rec.Series())
		assert.Len(t, rec.Timings(middleware.StatClientDuration, tags...), i+1)
		assert.Equal(t, name+"/"+host, trs[i].Breaker(host).Name(), "each has its own breaker series")
	}
	recs := sink.wait(t, "outbound request", 3)
	assert.Equal(t, []any{"billing", "search", "search"}, []any{recs[0]["client"], recs[1]["client"], recs[2]["client"]})

	for _, bad := range []string{"Billing", "bill.ing", "bill ing", strings.Repeat("b", 65)} {
		_, err := middleware.NewTransport(nil, middleware.TransportOptions{Name: bad})
		assertFieldError(t, err, "TransportOptions.Name", bad)
	}
}

// TestTransportRejectedCallsAreCountedNotTimed: a call an open breaker
// refuses took no time worth a latency panel.
func TestTransportRejectedCallsAreCountedNotTimed(t *testing.T) {
	srv := newPlainServer(t, http.NotFoundHandler())
	host := strings.TrimPrefix(srv.URL, "http://")
	rec := statstest.New()
	c, _ := client(t, middleware.TransportOptions{Stats: rec})
	c.Transport.(*middleware.ClientTransport).Breaker(host).ForceOpen("test")
	for range 3 {
		_, err := call(t, c, context.Background(), srv.URL)
		require.Error(t, err)
	}
	tags := []stats.Tag{stats.T("host", host), stats.T("status", "rejected")}
	assert.EqualValues(t, 3, rec.Counted(middleware.StatClientRequests, tags...))
	assert.Empty(t, rec.Timings(middleware.StatClientDuration, tags...))
}
