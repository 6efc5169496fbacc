package grpcmw

import (
	"errors"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/breaker"
)

// shed reports whether a call that ended with err was shed: declined for
// now with a retry delay, gRPC's 503 with Retry-After. That is
// Unavailable or ResourceExhausted when err wraps breaker.ErrOpen (a
// dependency's breaker is open: the handler passed on its rejection) or
// its status carries a google.rpc.RetryInfo detail with a valid, positive
// delay (see retryDelay).
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
	_, ok := retryDelay(st)
	return ok
}

// retryDelay returns the delay a status shedding a call asks for: the
// RetryDelay of its google.rpc.RetryInfo, when st is Unavailable or
// ResourceExhausted and the delay is valid and positive. A delay past what
// a Duration holds is the longest Duration.
func retryDelay(st *status.Status) (time.Duration, bool) {
	if c := st.Code(); c != codes.Unavailable && c != codes.ResourceExhausted {
		return 0, false
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay().CheckValid() == nil {
			if after := ri.GetRetryDelay().AsDuration(); after > 0 {
				return after, true
			}
		}
	}
	return 0, false
}
