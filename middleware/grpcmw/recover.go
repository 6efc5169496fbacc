package grpcmw

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/internal/panics"
	"github.com/vitals-go/vitals/middleware"
)

// PanicInfo describes a recovered panic to ServerConfig.OnPanic.
type PanicInfo struct {
	Value     any      // the value passed to panic
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

// callOnPanic runs the OnPanic hook; a panic inside it is logged, not spread.
func (s *ServerInterceptor) callOnPanic(ctx context.Context, info PanicInfo) {
	if s.onPanic == nil {
		return
	}
	panics.CallOnPanic(ctx, s.loggerOrDefault(), s.onPanic, info, "run ServerConfig.OnPanic",
		"fix the OnPanic hook; the call was already answered and logged")
}
