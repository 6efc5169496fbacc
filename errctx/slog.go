package errctx

import (
	"log/slog"
	"runtime"
	"strconv"
)

// Keys of the group LogValue renders. They are stable: dashboards and alerts
// may rely on them.
const (
	KeyMessage    = "message"     // Error(): the sentence chain
	KeyAttempted  = "attempted"   // AttemptedOf, outermost first
	KeyRemedy     = "remedy"      // RemediesOf, outermost first
	KeyClass      = "class"       // ClassOf, as Class.String
	KeyRetryAfter = "retry_after" // RetryAfterOf as time.Duration.String, when present
	KeyFields     = "fields"      // FieldsOf, as a group
	KeyWhere      = "where"       // Where of every layer, outermost first
	KeyStack      = "stack"       // frames of the outermost WithStack layer
)

// LogValue implements slog.LogValuer, so that
//
//	logger.Error("charge failed", "error", err)
//
// logs what was attempted, what went wrong and how to remedy it as one group:
//
//	"error": {"message": "charging customer 42: POST payments/charge: connection refused",
//	  "attempted": ["charging customer 42", "POST payments/charge"],
//	  "remedy": ["check that the payments service is up"], "class": "transient",
//	  "fields": {"customer": 42, "card": "[REDACTED]"},
//	  "where": ["billing/charge.go:42", "billing/client.go:17"]}
//
// message and class are always present; the other keys only when they have
// something to say.
func (e *Error) LogValue() slog.Value { return group(e) }

// LogValueOf returns what a logger should record for err: the group
// LogValue renders when err has an *Error anywhere in its chain, even behind
// a foreign layer such as net/http's *url.Error (the message is then err's
// own, and the other keys come from the whole chain); otherwise err's
// message. LogValueOf(nil) is the zero Value.
//
//	logger.Warn("charge failed", "error", errctx.LogValueOf(err))
func LogValueOf(err error) slog.Value {
	if err == nil {
		return slog.Value{}
	}
	found := false
	walk(err, func(n node) bool {
		e, ok := n.err.(*Error)
		found = ok && e != nil
		return !found
	})
	if !found {
		return slog.StringValue(message(err))
	}
	return group(err)
}

// group renders err as the group LogValue documents.
func group(err error) slog.Value {
	var attempted, remedies, where []string
	var fields fieldSet
	var stack []uintptr
	layers(err, func(l *Error) {
		if l.attempted != "" {
			attempted = append(attempted, l.attempted)
		}
		if l.remedy != "" {
			remedies = append(remedies, l.remedy)
		}
		fields.add(l.attrs)
		if w := l.Where(); w != "" {
			where = append(where, w)
		}
		if stack == nil {
			stack = l.stack
		}
	})
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs, slog.String(KeyMessage, message(err)))
	if len(attempted) > 0 {
		attrs = append(attrs, slog.Any(KeyAttempted, elide(attempted)))
	}
	if len(remedies) > 0 {
		attrs = append(attrs, slog.Any(KeyRemedy, elide(remedies)))
	}
	attrs = append(attrs, slog.String(KeyClass, ClassOf(err).String()))
	if d, ok := RetryAfterOf(err); ok {
		attrs = append(attrs, slog.String(KeyRetryAfter, d.String()))
	}
	if len(fields.attrs) > 0 {
		attrs = append(attrs, slog.Attr{Key: KeyFields, Value: slog.GroupValue(fields.attrs...)})
	}
	if len(where) > 0 {
		attrs = append(attrs, slog.Any(KeyWhere, elide(where)))
	}
	if len(stack) > 0 {
		attrs = append(attrs, slog.Any(KeyStack, stackLines(stack)))
	}
	return slog.GroupValue(attrs...)
}

// stackLines renders a stack as "function file:line" strings.
func stackLines(pcs []uintptr) []string {
	out := make([]string, 0, len(pcs))
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		out = append(out, shortFunc(f.Function)+" "+shortFile(f.File)+":"+strconv.Itoa(f.Line))
		if !more {
			return out
		}
	}
}

// elide keeps a long list readable in a log line: its first and last
// maxMessageLayers/2 entries, and how many were left out between them.
func elide(list []string) []string {
	if len(list) <= maxMessageLayers {
		return list
	}
	half := maxMessageLayers / 2
	out := make([]string, 0, maxMessageLayers+1)
	out = append(out, list[:half]...)
	out = append(out, "... "+strconv.Itoa(len(list)-2*half)+" more ...")
	return append(out, list[len(list)-half:]...)
}
