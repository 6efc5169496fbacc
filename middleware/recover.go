package middleware

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
)

// PanicInfo describes a recovered panic to AccessLogConfig.OnPanic.
type PanicInfo struct {
	Value     any      // the value passed to panic
	Stack     []string // "function file:line" frames from the panic, bounded by StackDepth
	RequestID string
	Method    string
	Route     string
	Path      string // without the query string
}

// maxPanicValue bounds the panic value's text in the log record.
const maxPanicValue = 1024

// panicRemedy is the remedy logged with every recovered panic.
const panicRemedy = "a handler panicked; the client got a 500 carrying only the request_id and the server kept serving: fix the code at the top of stack"

// panicRecord is a recovered panic on its way to the access record.
type panicRecord struct {
	value     any
	stack     []string
	attempted string
}

func (p *panicRecord) appendAttrs(attrs []slog.Attr) []slog.Attr {
	return append(attrs,
		slog.String("attempted", p.attempted),
		slog.String("error", truncate(fmtPanic(p.value), maxPanicValue)),
		slog.Any("stack", p.stack),
		slog.String("remedy", panicRemedy),
	)
}

// captureStack returns up to depth frames of the panicking goroutine, from
// the function that panicked outwards, leaving out the runtime's panic
// machinery and the deferred functions above it.
func captureStack(depth int) []string {
	pcs := make([]uintptr, depth+16)
	pcs = pcs[:runtime.Callers(1, pcs)]
	frames := runtime.CallersFrames(pcs)
	var all []runtime.Frame
	for {
		f, more := frames.Next()
		all = append(all, f)
		if !more {
			break
		}
	}
	// Frames before the last runtime frame of the panic (gopanic, sigpanic,
	// panicmem, ...) are this recovery code; the handler starts after it.
	start := 0
	for i, f := range all {
		if strings.HasPrefix(f.Function, "runtime.") {
			start = i + 1
		} else if start > 0 {
			break
		}
	}
	all = all[start:]
	if len(all) > depth {
		all = all[:depth]
	}
	out := make([]string, len(all))
	for i, f := range all {
		out[i] = f.Function + " " + f.File + ":" + strconv.Itoa(f.Line)
	}
	return out
}

// writePanicResponse answers 500 with a body that carries only the request
// ID, replacing whatever headers the handler had set for the response it
// never wrote.
func writePanicResponse(w http.ResponseWriter, requestID, idHeader string) {
	h := w.Header()
	keep := h[idHeader]
	clear(h)
	if keep != nil {
		h[idHeader] = keep
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusInternalServerError)
	body := "internal server error\n"
	if requestID != "" {
		body = "internal server error; request_id=" + requestID + "\n"
	}
	_, _ = w.Write([]byte(body))
}

// fmtPanic renders a panic value as error text.
func fmtPanic(v any) string { return "panic: " + fmt.Sprint(v) }
