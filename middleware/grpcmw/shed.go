package grpcmw

import (
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"

	"github.com/vitals-go/vitals/breaker"
)

// shed reports whether a call that ended with err was shed: declined for
// now with a retry delay, gRPC's 503 with Retry-After. That is
// Unavailable or ResourceExhausted when err wraps breaker.ErrOpen (a
// dependency's breaker is open: the handler passed on its rejection) or
// its status carries a google.rpc.RetryInfo detail.
func shed(err error) bool {
	if err == nil {
		return false
	}
	st := statusOf(err)
	if c := st.Code(); c != codes.Unavailable && c != codes.ResourceExhausted {
		return false
	}
	if errors.Is(err, breaker.ErrOpen) {
		return true
	}
	for _, d := range st.Details() {
		if _, ok := d.(*errdetails.RetryInfo); ok {
			return true
		}
	}
	return false
}
