package grpcmw

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// PanicInfo describes a recovered panic to ServerConfig.OnPanic.
type PanicInfo struct {
	Value     any      // the value passed to panic
	Stack     []string // "function file:line" frames from the panic, bounded by StackDepth
	RequestID string
	Method    string // the full method, "/package.Service/Method"
}

// DefaultStackDepth bounds the frames logged for a panic when
// ServerConfig.StackDepth is zero.
const DefaultStackDepth = 32

// maxPanicValue bounds the panic value's text in the log record.
const maxPanicValue = 1024

// panicRemedy is the remedy logged with every recovered panic.
const panicRemedy = "a handler panicked; the client got codes.Internal carrying only the request_id and the server kept serving: fix the code at the top of stack"

// panicStatus is what the client of a panicking handler gets: Internal, with
// the request ID to quote to the service's operators and nothing else.
func panicStatus(requestID string) error {
	return status.Error(codes.Internal, "internal error; request_id="+requestID)
}

// panicStack returns up to depth frames of the panicking goroutine, from the
// function that panicked outwards. It must be called by the deferred
// function that recovered: the frames up to the runtime's panic machinery
// (gopanic, sigpanic, panicmem...) are that function's and are left out.
func panicStack(depth int) []string {
	pcs := make([]uintptr, depth+16)
	pcs = pcs[:runtime.Callers(2, pcs)]
	frames := runtime.CallersFrames(pcs)
	out := make([]string, 0, depth)
	inRuntime := false // passing the panic machinery
	for len(out) < depth {
		f, more := frames.Next()
		switch {
		case len(out) == 0 && strings.HasPrefix(f.Function, "runtime."):
			inRuntime = true
		case inRuntime && f.Function != "runtime.goexit":
			out = append(out, f.Function+" "+f.File+":"+strconv.Itoa(f.Line))
		}
		if !more {
			break
		}
	}
	return out
}

// callOnPanic runs the OnPanic hook; a panic inside it is logged, not spread.
func (s *ServerInterceptor) callOnPanic(ctx context.Context, info PanicInfo) {
	if s.onPanic == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			s.loggerOrDefault().LogAttrs(ctx, slog.LevelError, "OnPanic hook panicked",
				slog.String("attempted", "run ServerConfig.OnPanic"),
				slog.String("error", truncate(fmtPanic(p), maxPanicValue)),
				slog.String("remedy", "fix the OnPanic hook; the call was already answered and logged"))
		}
	}()
	s.onPanic(ctx, info)
}

// fmtPanic renders a panic value as error text.
func fmtPanic(v any) string { return "panic: " + fmt.Sprint(v) }

// truncate cuts s to at most n bytes, marking the cut with "...".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
