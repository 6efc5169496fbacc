package grpcmw

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/internal/panics"
	"github.com/vitals-go/vitals/middleware"
)

// PanicInfo describes a recovered panic to ServerConfig.OnPanic.
type PanicInfo struct {
	Value     any      // the value passed to panic (a string saying so for a handler's error that panicked when read)
	Stack     []string // "function file:line" frames from the panic, bounded by StackDepth
	RequestID string
	Method    string // the full method, "/package.Service/Method"
}

// DefaultStackDepth bounds the frames logged for a panic when
// ServerConfig.StackDepth is zero. It is middleware.DefaultStackDepth.
const DefaultStackDepth = middleware.DefaultStackDepth

// panicRemedy is the remedy logged with every recovered panic.
const panicRemedy = "a handler panicked; the client got codes.Internal carrying only the request_id and the server kept serving: fix the code at the top of stack"

// panicStatus is what the client of a panicking handler gets: Internal, with
// the request ID to quote to the service's operators and nothing else.
func panicStatus(requestID string) error {
	return status.Error(codes.Internal, "internal error; request_id="+requestID)
}

// outcome turns what a handler left, the value p its panic gave recover
// (nil when it returned) and its error, into the error gRPC is given and
// the panic the record reports. A handler that panicked, or returned an
// error whose methods panic when read (Error, GRPCStatus, Unwrap, Is),
// which would crash the server in gRPC's own code, is answered with
// panicStatus. It must be called by the deferred function that recovered.
func (s *ServerInterceptor) outcome(c *inbound, p any, err error) (error, *panicked) {
	if p != nil {
		return panicStatus(c.id), &panicked{value: p, stack: panics.Stack(s.stackDepth)}
	}
	if bad := s.unreadable(err); bad != nil {
		return panicStatus(c.id), bad
	}
	return err, nil
}

// unreadable reads err as the interceptor and gRPC will (its text, its
// status, whether it was shed) and returns the panic that reading raised,
// or nil.
func (s *ServerInterceptor) unreadable(err error) (bad *panicked) {
	if err == nil {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			bad = &panicked{value: "the handler returned an error that panics when read: " + fmt.Sprint(p),
				stack: panics.Stack(s.stackDepth)}
		}
	}()
	_ = err.Error()
	_ = shed(err) // its status, details and errors.Is
	return nil
}

// callOnPanic runs the OnPanic hook; a panic inside it is logged, not spread.
func (s *ServerInterceptor) callOnPanic(ctx context.Context, info PanicInfo) {
	if s.onPanic == nil {
		return
	}
	panics.CallOnPanic(ctx, s.loggerOrDefault(), s.onPanic, info, "run ServerConfig.OnPanic",
		"fix the OnPanic hook; the call was already answered and logged")
}
