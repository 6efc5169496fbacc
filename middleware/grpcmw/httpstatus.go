package grpcmw

import (
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/vitals-go/vitals/middleware"
)

// StatusClientClosedRequest is the HTTP status of codes.Canceled: 499, a
// status outside the HTTP standard (nginx's "client closed request") that
// the Google API design guide and grpc-gateway use for a call its caller
// gave up on. http.StatusText has no text for it. It is
// middleware.StatusClientClosedRequest, the status package middleware
// records for an HTTP client that went away.
const StatusClientClosedRequest = middleware.StatusClientClosedRequest

// httpStatuses maps each standard gRPC code to its HTTP status.
var httpStatuses = [numCodes]int{
	codes.OK:                 http.StatusOK,
	codes.Canceled:           StatusClientClosedRequest,
	codes.Unknown:            http.StatusInternalServerError,
	codes.InvalidArgument:    http.StatusBadRequest,
	codes.DeadlineExceeded:   http.StatusGatewayTimeout,
	codes.NotFound:           http.StatusNotFound,
	codes.AlreadyExists:      http.StatusConflict,
	codes.PermissionDenied:   http.StatusForbidden,
	codes.ResourceExhausted:  http.StatusTooManyRequests,
	codes.FailedPrecondition: http.StatusBadRequest,
	codes.Aborted:            http.StatusConflict,
	codes.OutOfRange:         http.StatusBadRequest,
	codes.Unimplemented:      http.StatusNotImplemented,
	codes.Internal:           http.StatusInternalServerError,
	codes.Unavailable:        http.StatusServiceUnavailable,
	codes.DataLoss:           http.StatusInternalServerError,
	codes.Unauthenticated:    http.StatusUnauthorized,
}

// HTTPStatus returns the HTTP status of a gRPC code, as the Google API
// design guide (google/rpc/code.proto) and grpc-gateway v2 map them:
//
//	code                                         status
//	OK                                           200 OK
//	InvalidArgument, FailedPrecondition,         400 Bad Request
//	  OutOfRange
//	Unauthenticated                              401 Unauthorized
//	PermissionDenied                             403 Forbidden
//	NotFound                                     404 Not Found
//	AlreadyExists, Aborted                       409 Conflict
//	ResourceExhausted                            429 Too Many Requests
//	Canceled                                     499 (client closed request)
//	Unknown, Internal, DataLoss, any other code  500 Internal Server Error
//	Unimplemented                                501 Not Implemented
//	Unavailable                                  503 Service Unavailable
//	DeadlineExceeded                             504 Gateway Timeout
//
// The mapping suits an HTTP front that passes its caller's request on to a
// gRPC back end and the answer back, as a transcoding gateway does: the
// codes speak of the caller's request. When the front calls the back end on
// its own behalf, some speak of the front instead: Unauthenticated and
// PermissionDenied then say that the back end refused the front's own
// credentials, which the front's caller can do nothing about. Such a front
// maps them itself before calling HTTPStatus, to 500 or 502 Bad Gateway
// (and may answer 502 for every failure of the back end, as
// examples/grpc does).
func HTTPStatus(code codes.Code) int {
	if code < codes.Code(numCodes) {
		return httpStatuses[code]
	}
	return http.StatusInternalServerError
}

// HTTPStatusOf returns the HTTP status of err as a gRPC client would see it,
// by [HTTPStatus] of its code: 200 for nil; the code of the gRPC status err
// carries, found through any wrapping (errors.As of GRPCStatus(), as
// status.FromError does), such as the errors of the client interceptors or
// an errctx error around one; else 504 or 499 for an error that is or wraps
// context.DeadlineExceeded or context.Canceled; else 500, as gRPC sends
// codes.Unknown for any other error. A non-nil error is never a 2xx: one
// whose status says OK (a GRPCStatus() method returning an OK status) is
// 500.
//
// A call that an open breaker refused is codes.Unavailable, 503; the time
// until the breaker lets a call through, for a Retry-After header, is
// errctx.RetryAfterOf(err).
func HTTPStatusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	code := codeOf(err)
	if code == codes.OK {
		return http.StatusInternalServerError
	}
	return HTTPStatus(code)
}
