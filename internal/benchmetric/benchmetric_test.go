package benchmetric

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

var sink int

func work(n int) func() {
	return func() {
		for i := range n {
			sink += i
		}
	}
}

func TestReportCPUAddsTheMetric(t *testing.T) {
	res := testing.Benchmark(func(b *testing.B) {
		defer ReportCPU(b)()
		for b.Loop() {
			work(100)()
		}
	})
	if _, known := cpuTime(); !known {
		t.Skip("the CPU time is unknown on this platform")
	}
	assert.Contains(t, res.Extra, "cpu-ns/op")
	assert.Greater(t, res.Extra["cpu-ns/op"], 0.0)
}

func TestPairedRatioIsAFiniteMedian(t *testing.T) {
	var ratio float64
	testing.Benchmark(func(b *testing.B) { ratio = PairedRatio(b, work(10), work(10)) })
	assert.Greater(t, ratio, 0.0)
	assert.False(t, math.IsInf(ratio, 0) || math.IsNaN(ratio))
}

func TestCannedTransport(t *testing.T) {
	for _, rt := range []CannedTransport{{}, {Watch: true}} {
		req := httptest.NewRequest(http.MethodGet, "http://api.internal/users/42", nil)
		resp, err := rt.RoundTrip(req)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		require.NoError(t, resp.Body.Close())
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	gone := errors.New("caller gone")
	cancel(gone)
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://api.internal/users/42", nil)
	_, err := CannedTransport{Watch: true}.RoundTrip(req)
	assert.ErrorIs(t, err, gone, "a watching transport sees the context end")
	resp, err := CannedTransport{}.RoundTrip(req)
	require.NoError(t, err, "one that does not watch answers anyway")
	require.NoError(t, resp.Body.Close())
}

func TestGRPCServerContext(t *testing.T) {
	ctx := GRPCServerContext(metadata.Pairs("x-request-id", "r1"), "/pkg.Service/Method")
	method, ok := grpc.Method(ctx)
	require.True(t, ok)
	assert.Equal(t, "/pkg.Service/Method", method)
	md, _ := metadata.FromIncomingContext(ctx)
	assert.Equal(t, []string{"r1"}, md.Get("x-request-id"))
	require.NoError(t, grpc.SetHeader(ctx, metadata.Pairs("x-request-id", "r1")))
	p, ok := peer.FromContext(ctx)
	require.True(t, ok)
	assert.Equal(t, "127.0.0.1:40000", p.Addr.String())
}
