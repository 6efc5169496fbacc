package errctx

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Option configures one layer made by New or Wrap.
type Option struct {
	remedy string
	attrs  []slog.Attr
	class  Class
	has    bool
	after  time.Duration
	stack  bool
}

// Remedy tells the reader how to fix or work around the failure.
func Remedy(text string) Option { return Option{remedy: text} }

// Fields attaches key-value fields (slog-style pairs or slog.Attr).
func Fields(args ...any) Option { return Option{} }

// Secret attaches a field whose value is masked everywhere.
func Secret(key string, value any) Option { return Option{} }

// WithClass sets the failure class explicitly.
func WithClass(c Class) Option { return Option{class: c, has: true} }

// RetryAfter records how long the other side asked to wait.
func RetryAfter(d time.Duration) Option { return Option{after: d} }

// WithStack captures the full call stack.
func WithStack() Option { return Option{stack: true} }

// Error is one layer of context around a failure.
type Error struct {
	attempted string
	err       error
}

// New returns an error saying what was attempted.
func New(attempted string, opts ...Option) error { return &Error{attempted: attempted} }

// Wrap returns err with what was being attempted; Wrap(nil, ...) is nil.
func Wrap(err error, attempted string, opts ...Option) error {
	if err == nil {
		return nil
	}
	return &Error{attempted: attempted, err: err}
}

func (e *Error) Error() string {
	if e.err == nil {
		return e.attempted
	}
	return e.attempted + ": " + e.err.Error()
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.err }

// Format implements fmt.Formatter.
func (e *Error) Format(s fmt.State, verb rune) { fmt.Fprint(s, e.Error()) }

// LogValue implements slog.LogValuer.
func (e *Error) LogValue() slog.Value { return slog.StringValue(e.Error()) }

// ClassOf returns the class of err.
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return Unknown
	}
	return Unknown
}

// RetryAfterOf returns the Retry-After duration carried by err.
func RetryAfterOf(err error) (time.Duration, bool) { return 0, false }

// AttemptedOf returns the attempted steps, outermost first.
func AttemptedOf(err error) []string { return nil }

// RemediesOf returns the remedies, outermost first.
func RemediesOf(err error) []string { return nil }

// FieldsOf returns the fields of every layer.
func FieldsOf(err error) []slog.Attr { return nil }
