package grpcmw_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/stats"
)

// wantHTTP is the mapping of google/rpc/code.proto, written out code by
// code.
var wantHTTP = map[codes.Code]int{
	codes.OK:                 200,
	codes.Canceled:           499,
	codes.Unknown:            500,
	codes.InvalidArgument:    400,
	codes.DeadlineExceeded:   504,
	codes.NotFound:           404,
	codes.AlreadyExists:      409,
	codes.PermissionDenied:   403,
	codes.ResourceExhausted:  429,
	codes.FailedPrecondition: 400,
	codes.Aborted:            409,
	codes.OutOfRange:         400,
	codes.Unimplemented:      501,
	codes.Internal:           500,
	codes.Unavailable:        503,
	codes.DataLoss:           500,
	codes.Unauthenticated:    401,
}

func TestHTTPStatusEveryCode(t *testing.T) {
	require.Len(t, wantHTTP, 17, "every standard code, OK to Unauthenticated")
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		want, ok := wantHTTP[c]
		require.True(t, ok, c)
		assert.Equal(t, want, grpcmw.HTTPStatus(c), c)
	}
	assert.Equal(t, grpcmw.StatusClientClosedRequest, grpcmw.HTTPStatus(codes.Canceled))
	for _, c := range []codes.Code{17, 100, 1 << 31, ^codes.Code(0)} {
		assert.Equal(t, http.StatusInternalServerError, grpcmw.HTTPStatus(c), "unknown code %d", uint32(c))
	}
}

// okStatusError is an error whose GRPCStatus says OK, which gRPC would
// send as success.
type okStatusError struct{}

func (okStatusError) Error() string              { return "not really an error" }
func (okStatusError) GRPCStatus() *status.Status { return status.New(codes.OK, "") }

// nilStatusError is an error whose GRPCStatus is nil.
type nilStatusError struct{}

func (nilStatusError) Error() string              { return "no status" }
func (nilStatusError) GRPCStatus() *status.Status { return nil }

func TestHTTPStatusOf(t *testing.T) {
	assert.Equal(t, http.StatusOK, grpcmw.HTTPStatusOf(nil))
	for c := codes.Canceled; c <= codes.Unauthenticated; c++ {
		err := status.Error(c, "from the back end")
		assert.Equal(t, wantHTTP[c], grpcmw.HTTPStatusOf(err), "status of %s", c)
		wrapped := errctx.Wrap(err, "quote sku-3", errctx.Remedy("retry"))
		assert.Equal(t, wantHTTP[c], grpcmw.HTTPStatusOf(wrapped), "errctx around %s", c)
		assert.Equal(t, wantHTTP[c], grpcmw.HTTPStatusOf(fmt.Errorf("front: %w", errctx.Wrap(wrapped, "serve /quote"))), "layers around %s", c)
	}
	for name, c := range map[string]struct {
		err  error
		want int
	}{
		"context deadline":             {context.DeadlineExceeded, http.StatusGatewayTimeout},
		"wrapped context deadline":     {errctx.Wrap(fmt.Errorf("read: %w", context.DeadlineExceeded), "load"), http.StatusGatewayTimeout},
		"context canceled":             {context.Canceled, grpcmw.StatusClientClosedRequest},
		"wrapped context canceled":     {errctx.Wrap(context.Canceled, "load"), grpcmw.StatusClientClosedRequest},
		"plain error":                  {errors.New("disk full"), http.StatusInternalServerError},
		"errctx without status":        {errctx.New("load", errctx.WithClass(errctx.NotAFailure)), http.StatusInternalServerError},
		"breaker.ErrOpen without gRPC": {breaker.ErrOpen, http.StatusInternalServerError},
		"a status saying OK":           {okStatusError{}, http.StatusInternalServerError},
		"wrapped status saying OK":     {errctx.Wrap(okStatusError{}, "load"), http.StatusInternalServerError},
		"a nil status":                 {nilStatusError{}, http.StatusInternalServerError},
		"joined, status first":         {errors.Join(status.Error(codes.NotFound, "no"), errors.New("x")), http.StatusNotFound},
		"status wins over context": {
			errctx.Wrap(errors.Join(context.Canceled, status.Error(codes.Unavailable, "down")), "load"), http.StatusServiceUnavailable},
	} {
		assert.Equal(t, c.want, grpcmw.HTTPStatusOf(c.err), name)
	}
}

// TestHTTPStatusOfClientErrors: the errors the client interceptor returns
// from real calls, as they are and wrapped again by the caller.
func TestHTTPStatusOfClientErrors(t *testing.T) {
	addr := plainServer(t)
	// The answers go through a client with the default timeout: a short one
	// would also bound the first call's connection set-up, which under load
	// can outlast it. Only the calls that wait for the timeout get one.
	cli := newClient(t, grpcmw.ClientConfig{Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard})
	cc := dial(t, addr, cli.DialOptions()...)
	short := newClient(t, grpcmw.ClientConfig{TargetName: "echo", Logger: slog.New(slog.DiscardHandler), Stats: stats.Discard,
		Timeout: 100 * time.Millisecond,
		BreakerConfig: func(string) breaker.Config {
			return breaker.Config{ConsecutiveFailures: 1, OpenDuration: time.Hour}
		}})
	shortCC := dial(t, addr, short.DialOptions()...)
	check := func(t *testing.T, err error, code codes.Code, want int) {
		t.Helper()
		require.Error(t, err)
		require.Equal(t, code, status.Code(err))
		assert.Equal(t, want, grpcmw.HTTPStatusOf(err))
		assert.Equal(t, want, grpcmw.HTTPStatusOf(errctx.Wrap(err, "serve GET /quote")), "wrapped by the caller")
	}

	_, err := callUnary(t.Context(), cc, "ok")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, grpcmw.HTTPStatusOf(err))

	for _, c := range []codes.Code{codes.NotFound, codes.InvalidArgument, codes.FailedPrecondition, codes.PermissionDenied,
		codes.Unauthenticated, codes.AlreadyExists, codes.Aborted, codes.OutOfRange, codes.Unimplemented, codes.Unknown} {
		_, err := callUnary(t.Context(), cc, "code:"+c.String())
		check(t, err, c, wantHTTP[c])
	}

	t.Run("method the server lacks", func(t *testing.T) {
		err := cc.Invoke(t.Context(), "/vitals.test.Echo/Missing", wrapperspb.String("x"), new(wrapperspb.StringValue))
		check(t, err, codes.Unimplemented, http.StatusNotImplemented)
	})
	t.Run("caller cancels", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := callUnary(ctx, cc, "wait")
		check(t, err, codes.Canceled, grpcmw.StatusClientClosedRequest)
	})
	t.Run("per-call timeout", func(t *testing.T) {
		_, err := callUnary(t.Context(), shortCC, "wait") // waits for the call's context to end
		check(t, err, codes.DeadlineExceeded, http.StatusGatewayTimeout)
	})
	t.Run("refused by the open breaker", func(t *testing.T) {
		require.Equal(t, breaker.Open, short.Breaker("echo", "").State(), "the timeout opened it")
		_, err := callUnary(t.Context(), shortCC, "ok")
		require.ErrorIs(t, err, breaker.ErrOpen)
		check(t, err, codes.Unavailable, http.StatusServiceUnavailable)
		_, ok := errctx.RetryAfterOf(err)
		assert.True(t, ok, "for a Retry-After header")
	})
}
