package errctx

import (
	"log/slog"
	"slices"
	"time"
)

// Masked is what a Secret field's value renders as, everywhere.
const Masked = "[REDACTED]"

// badKey is the key slog gives a value that has no key.
const badKey = "!BADKEY"

type optionKind uint8

const (
	optNone optionKind = iota // the zero Option: does nothing
	optRemedy
	optFields
	optSecret
	optClass
	optRetryAfter
	optStack
)

// An Option adds one piece of context to the layer made by New or Wrap.
// Options are small values, and the zero Option does nothing. Remedy,
// WithClass and RetryAfter do not allocate; Fields, Attrs, Secret and
// WithStack do (see the Cost section of the package documentation).
type Option struct {
	kind  optionKind
	text  string      // remedy text or secret key
	attrs []slog.Attr // fields, owned by the Option and never modified
	n     int64       // class or duration
}

// Remedy tells the reader what to do about the failure: the step an operator
// or a user can take. Several remedies on one layer are joined with "; ".
func Remedy(text string) Option { return Option{kind: optRemedy, text: text} }

// Fields attaches key-value fields, given as slog does: alternating keys and
// values, or slog.Attr. As with slog, a value without a string key is kept
// under the key "!BADKEY". Fields copies its argument list, so the error
// does not change if the caller reuses that slice; the values themselves are
// kept as given, as slog keeps them, so a slice, map or pointer passed as a
// value is shared, and a later change to it shows in the error: pass a copy
// (slices.Clone, maps.Clone) of one you will change.
//
// Its arguments are interfaces, so each value that is not a constant costs
// an allocation to box, as with slog's Logger.Info; Attrs does not.
func Fields(args ...any) Option {
	n := 0
	for i := 0; i < len(args); i++ {
		if _, ok := args[i].(string); ok && i+1 < len(args) {
			i++
		}
		n++
	}
	if n == 0 {
		return Option{}
	}
	attrs := make([]slog.Attr, 0, n)
	for i := 0; i < len(args); i++ {
		switch x := args[i].(type) {
		case slog.Attr:
			attrs = append(attrs, x)
		case string:
			if i+1 < len(args) {
				attrs = append(attrs, slog.Any(x, args[i+1]))
				i++
			} else {
				attrs = append(attrs, slog.String(badKey, x))
			}
		default:
			attrs = append(attrs, slog.Any(badKey, x))
		}
	}
	return Option{kind: optFields, attrs: attrs}
}

// Attrs attaches fields given as slog.Attr, for the hot path: unlike Fields,
// it boxes nothing, and costs one allocation in all, for its copy of attrs.
// Like Fields, it keeps the values themselves as given.
func Attrs(attrs ...slog.Attr) Option {
	if len(attrs) == 0 {
		return Option{}
	}
	return Option{kind: optFields, attrs: slices.Clone(attrs)}
}

// Secret attaches a field whose value must never be shown: Error, %+v,
// FieldsOf and log output all render it as Masked. The value is not kept, so
// it cannot leak through the error at all; the field records that it was
// present.
func Secret(key string, value any) Option {
	return Option{kind: optSecret, text: key}
}

// WithClass classifies the failure, overriding the defaults table and any
// class of the errors it wraps.
func WithClass(c Class) Option { return Option{kind: optClass, n: int64(c)} }

// RetryAfter records how long the other side asked the caller to wait before
// trying again, as an HTTP Retry-After header or an open breaker does.
// A negative duration counts as zero.
func RetryAfter(d time.Duration) Option {
	return Option{kind: optRetryAfter, n: int64(max(d, 0))}
}

// WithStack captures the full call stack of the New or Wrap call, for %+v and
// log output. Without it a layer records only the file and line of the call,
// which is cheap; a stack costs a few microseconds and one allocation.
func WithStack() Option { return Option{kind: optStack} }
