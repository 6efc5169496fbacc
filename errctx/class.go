package errctx

// Class says what a failure means for whoever decides to retry or to count it.
type Class uint8

// The failure classes.
const (
	Unknown Class = iota
	Transient
	Permanent
	Indeterminate
	NotAFailure
)

// String returns the class name.
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
	}
	return "unknown"
}

// IsFailure reports whether a breaker counts the class as a failure.
func (c Class) IsFailure() bool { return c != NotAFailure }

// Retryable reports whether a retry may repeat an operation that failed with c.
func (c Class) Retryable(idempotent bool) bool {
	return c == Transient || (c == Indeterminate && idempotent)
}
