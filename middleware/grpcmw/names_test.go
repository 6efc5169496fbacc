package grpcmw_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/grpc/codes"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/middleware/grpcmw"
)

// TestNamingTable backs the table under "Names" in both packages' docs:
// each row's names exist on both sides with the shapes it gives, and the
// shared constants are one value.
func TestNamingTable(t *testing.T) {
	var (
		_ func(http.Handler, middleware.ServerConfig) (http.Handler, error)               = middleware.New
		_ func(grpcmw.ServerConfig) (*grpcmw.ServerInterceptor, error)                    = grpcmw.NewServerInterceptor
		_ func(http.RoundTripper, middleware.ClientConfig) (*middleware.Transport, error) = middleware.NewTransport
		_ func(grpcmw.ClientConfig) (*grpcmw.ClientInterceptor, error)                    = grpcmw.NewClientInterceptor

		_ func(middleware.ServerOutcome) slog.Level = middleware.DefaultServerLevel
		_ func(middleware.ClientOutcome) slog.Level = middleware.DefaultClientLevel
		_ func(grpcmw.ServerOutcome) slog.Level     = grpcmw.DefaultServerLevel
		_ func(grpcmw.ClientOutcome) slog.Level     = grpcmw.DefaultClientLevel

		_ func(...string) func(*http.Request, middleware.ServerOutcome) bool = middleware.SkipSucceeded
		_ func(...string) func(grpcmw.ServerOutcome) bool                    = grpcmw.SkipSucceeded
	)
	hostBreaker := func(string) breaker.Config { return breaker.Config{} }
	_ = middleware.ServerConfig{Trace: true, AccessLog: middleware.AccessLogConfig{
		OnPanic: func(context.Context, middleware.PanicInfo) {}, StackDepth: middleware.DefaultStackDepth}}
	_ = middleware.ClientConfig{Breaker: middleware.PerHost, BreakerConfig: hostBreaker, RequestIDHeader: middleware.DefaultRequestIDHeader}
	_ = middleware.ClientConfig{Breaker: middleware.NoBreaker, MaxHosts: middleware.DefaultMaxHosts}
	_ = middleware.StatsConfig{MaxRoutes: middleware.DefaultMaxRoutes}
	_ = grpcmw.ServerConfig{Trace: true, OnPanic: func(context.Context, grpcmw.PanicInfo) {},
		StackDepth: grpcmw.DefaultStackDepth, RequestIDKey: grpcmw.DefaultRequestIDKey, Trust: middleware.TrustAny}
	_ = grpcmw.ClientConfig{Trace: true, Breaker: grpcmw.PerTarget, BreakerConfig: hostBreaker, MaxMethods: grpcmw.DefaultMaxMethods}
	_ = grpcmw.ClientConfig{Breaker: grpcmw.PerMethod}
	_ = grpcmw.ClientConfig{Breaker: grpcmw.NoBreaker}

	assert.Equal(t, middleware.NoBreaker.String(), grpcmw.NoBreaker.String())
	assert.Equal(t, 499, middleware.StatusClientClosedRequest)
	assert.Equal(t, middleware.StatusClientClosedRequest, grpcmw.StatusClientClosedRequest)
	assert.Equal(t, grpcmw.StatusClientClosedRequest, grpcmw.HTTPStatus(codes.Canceled))
	assert.Equal(t, middleware.DefaultClientTimeout, grpcmw.DefaultClientTimeout)
	assert.Equal(t, middleware.DefaultStackDepth, grpcmw.DefaultStackDepth)
	assert.Equal(t, middleware.OtherRoute, middleware.OtherHost)
	assert.Equal(t, grpcmw.OtherMethod, grpcmw.OtherTarget)
	assert.Equal(t, middleware.OtherHost, grpcmw.OtherTarget)
}
