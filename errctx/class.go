package errctx

import "strconv"

// Class says what a failure means for whoever decides whether to try again
// (retry) and whether to count it against a dependency (a circuit breaker).
// See the package documentation for the defaults table.
type Class uint8

const (
	// Unknown is a failure nobody classified and the defaults table does not
	// recognise. Breakers count it; retry never repeats it: retry only what
	// you understand.
	Unknown Class = iota
	// Transient means the request never reached the other side (connection
	// refused, DNS failure, a dial that failed): trying again is safe.
	Transient
	// Permanent means the operation will fail the same way again (invalid
	// input, a missing permission): trying again is pointless.
	Permanent
	// Indeterminate means the outcome is unknown: a timeout, or a connection
	// lost after the request was sent (reset, or closed early: io.EOF,
	// io.ErrUnexpectedEOF). The operation may have succeeded, so it may be
	// repeated only if it is idempotent.
	Indeterminate
	// NotAFailure is a caller's cancellation (context.Canceled, wherever it
	// is in the chain) or a negative business outcome
	// the caller marked as such (a declined card, a 404 from a lookup): a
	// success for breakers, never retried.
	NotAFailure
)

// String returns the class name: "unknown", "transient", "permanent",
// "indeterminate" or "not_a_failure"; "class(N)" for a value outside the
// constants.
func (c Class) String() string {
	switch c {
	case Transient:
		return "transient"
	case Permanent:
		return "permanent"
	case Indeterminate:
		return "indeterminate"
	case NotAFailure:
		return "not_a_failure"
	case Unknown:
		return "unknown"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// IsFailure is the breaker's view: it reports whether the class counts as a
// failure, which is every class but NotAFailure.
func (c Class) IsFailure() bool { return c != NotAFailure }

// Retryable is the retry view: it reports whether an operation that failed
// with class c may be tried again. Transient failures always may;
// Indeterminate ones only if the operation is idempotent; others never.
func (c Class) Retryable(idempotent bool) bool {
	return c == Transient || (c == Indeterminate && idempotent)
}
