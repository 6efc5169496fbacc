package panics

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"

	"github.com/vitals-go/vitals/internal/record"
)

// MaxMessage bounds the text of [Message].
const MaxMessage = 1024

// Message renders a panic value as error text, "panic: <value>", cut to
// MaxMessage bytes.
func Message(v any) string { return record.Truncate("panic: "+fmt.Sprint(v), MaxMessage) }

// Stack returns up to depth frames of the panicking goroutine, each
// "function file:line", from the function that panicked outwards, without
// the final runtime.goexit. It must be called by the deferred function that
// recovered (directly or through functions of its own): the frames up to the
// runtime's panic machinery (gopanic, sigpanic, panicmem...) are that
// function's and are left out.
func Stack(depth int) []string { return Frames(PCs(depth), depth) }

// PCs returns the program counters of Stack(depth), for Frames to render
// later: reading them costs a fraction of rendering them, which a caller
// may find it has no use for. It must be called as Stack is.
func PCs(depth int) []uintptr {
	pcs := make([]uintptr, depth+16)
	return pcs[:runtime.Callers(2, pcs)]
}

// Frames renders up to depth frames of pcs, from PCs, as Stack does.
func Frames(pcs []uintptr, depth int) []string {
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

// AppendAttrs appends the fields that a record of a recovered panic
// carries, after the request's own: attempted, error (the [Message] of
// value), stack and remedy.
func AppendAttrs(attrs []slog.Attr, attempted string, value any, stack []string, remedy string) []slog.Attr {
	return append(attrs,
		slog.String("attempted", attempted),
		slog.String("error", Message(value)),
		slog.Any("stack", stack),
		slog.String("remedy", remedy),
	)
}

// CallOnPanic runs an OnPanic hook, hook(ctx, info). A panic inside it is logged to logger
// as one error record saying what was attempted (such as "run
// ServerConfig.OnPanic"), the hook's panic and the remedy, and goes no
// further: the request or call it reports on was already answered.
func CallOnPanic[I any](ctx context.Context, logger *slog.Logger, hook func(context.Context, I), info I, attempted, remedy string) {
	defer func() {
		if p := recover(); p != nil {
			logger.LogAttrs(ctx, slog.LevelError, "OnPanic hook panicked",
				slog.String("attempted", attempted),
				slog.String("error", Message(p)),
				slog.String("remedy", remedy))
		}
	}()
	hook(ctx, info)
}
