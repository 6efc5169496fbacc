package grpcmw

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/errctx"
)

// statusError is the error the client interceptors return: it keeps the
// call's gRPC status (status.Code, status.FromError and status.Convert see
// it unchanged, through GRPCStatus) and wraps an errctx error saying what was
// attempted, the failure class and a remedy, around the original error
// (errors.Is and errors.As see both, and breaker.ErrOpen for a rejection).
type statusError struct {
	st  *status.Status
	err error
}

func (e *statusError) Error() string              { return e.err.Error() }
func (e *statusError) Unwrap() error              { return e.err }
func (e *statusError) GRPCStatus() *status.Status { return e.st }

// statusOf returns the status gRPC would report for err: its own, or
// Canceled or DeadlineExceeded for a context error, or Unknown.
func statusOf(err error) *status.Status {
	if st, ok := status.FromError(err); ok {
		return st
	}
	return status.FromContextError(err)
}

// callError wraps the error of a call with what was attempted, the class of
// its code and a remedy, keeping its status st. A call the server shed
// with a RetryInfo was not processed: it is Transient, with the server's
// delay as its errctx.RetryAfter, as an HTTP 503's Retry-After is.
func callError(o *outbound, err error, st *status.Status) error {
	code := st.Code()
	class, after := ClassOf(code), errctx.Option{}
	if d, ok := retryDelay(st); ok {
		class, after = errctx.Transient, errctx.RetryAfter(d)
	}
	return &statusError{st: st, err: errctx.Wrap(err, o.attempted(),
		errctx.WithClass(class), errctx.Remedy(o.remedy(code)), o.fields(), after)}
}

// remedy says what to do about o ending with code. For DeadlineExceeded it
// names the deadline that ran out, the caller's or the per-call timeout,
// when it was one of them rather than the server's own answer.
func (o *outbound) remedy(code codes.Code) string {
	if code == codes.DeadlineExceeded {
		switch {
		case o.timeout > 0 && time.Since(o.start)+deadlineSlack >= o.timeout:
			return "no answer within the per-call timeout (" + o.timeout.String() + "); the call may or may not have happened: check why " + o.target + " is slow or raise ClientConfig.Timeout"
		case o.timeout == 0 && deadlineReached(o.ctx):
			return "the caller's deadline ran out; the call may or may not have happened: give it more time or check why " + o.target + " is slow"
		}
	}
	if code == codes.Unavailable && o.named {
		// Where the call went matters here: name the address too.
		return clientRemedy(code, o.target+" at "+o.dial)
	}
	return clientRemedy(code, o.target)
}

// deadlineSlack is how early a deadline may seem to end. gRPC sends the
// server the time left, truncated, so the server's copy of a deadline can
// fire and answer DeadlineExceeded a little before the client's own timer:
// the caller's context is then not done yet, though its deadline is what
// ran out.
const deadlineSlack = 20 * time.Millisecond

// deadlineReached reports whether ctx has a deadline that has passed, or
// is within deadlineSlack of passing.
func deadlineReached(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) <= deadlineSlack
}

// ClassOf returns the errctx class of a call that ended with code c, which
// the errors of the client interceptors carry (errctx.ClassOf sees it):
//
//	code                                               class
//	OK, Canceled, InvalidArgument, NotFound,           NotAFailure (an answer)
//	  AlreadyExists, PermissionDenied, Unauthenticated,
//	  FailedPrecondition, OutOfRange
//	ResourceExhausted, Aborted                         Transient (not done; retry later)
//	Unavailable, DeadlineExceeded, Internal, Unknown   Indeterminate (it may have happened)
//	Unimplemented, DataLoss                            Permanent
//
// Unavailable is indeterminate because gRPC also reports a connection lost
// mid-call with it; gRPC itself already retries transparently the calls it
// knows were never sent. A rejection by an open breaker is Transient, and
// so is a call the server shed (Unavailable or ResourceExhausted with a
// google.rpc.RetryInfo): its error carries the server's delay as its
// errctx.RetryAfter, which package retry waits for.
func ClassOf(c codes.Code) errctx.Class {
	switch c {
	case codes.OK, codes.Canceled, codes.InvalidArgument, codes.NotFound, codes.AlreadyExists,
		codes.PermissionDenied, codes.Unauthenticated, codes.FailedPrecondition, codes.OutOfRange:
		return errctx.NotAFailure
	case codes.ResourceExhausted, codes.Aborted:
		return errctx.Transient
	case codes.Unimplemented, codes.DataLoss:
		return errctx.Permanent
	}
	return errctx.Indeterminate
}

// clientRemedy says what to do about a call to target that ended with c.
func clientRemedy(c codes.Code, target string) string {
	switch c {
	case codes.Canceled:
		return "the caller cancelled the call; it may or may not have reached " + target
	case codes.DeadlineExceeded:
		return "no answer before the deadline; the call may or may not have happened: check why " + target + " is slow or give the call more time"
	case codes.Unavailable:
		return "could not reach " + target + " or it is shutting down; check that it is up and its address resolves (its breaker counts this as a failure)"
	case codes.ResourceExhausted:
		return "slow down: " + target + " is out of a resource or rate-limiting us; back off before retrying"
	case codes.Internal, codes.Unknown, codes.DataLoss:
		return target + " failed to serve the call; check its logs for the request_id"
	case codes.Unimplemented:
		return target + " does not implement the method; check client and server versions"
	}
	return "check the request against " + target + "'s API"
}
