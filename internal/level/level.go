// Package level holds the one policy by which the middleware picks the
// level of its records, HTTP and gRPC alike: a failure of our own is an
// error, a request refused or cut short is a warning, and a negative
// business outcome (a 404 from a lookup, NotFound) is an answer, logged at
// Info. Each protocol says what its outcome means; this package says how
// loud it is.
//
// The smallest complete use:
//
//	func DefaultLevel(o Outcome) slog.Level {
//		return level.Served(o.Panicked || o.Status >= 500, o.Status >= 400)
//	}
package level

import "log/slog"

// Cancelled is the level of the record of an outbound call that its own
// caller cancelled, HTTP and gRPC alike: Info. The caller decided; neither
// the downstream nor we failed, so it is no error, and nothing is to be
// done about it, so it is no warning. A caller's deadline that ran out is
// not a cancellation: the downstream may be slow.
const Cancelled = slog.LevelInfo

// Served is the level of the record of a request served: Error when the
// server failed (a panic, a 5xx, Internal...), else Warn when the request
// was refused or cut short (a 4xx, a client gone, a deadline), else Info.
func Served(failed, refused bool) slog.Level {
	switch {
	case failed:
		return slog.LevelError
	case refused:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// Called is the level of the record of an outbound call: Warn when an open
// breaker refused it (one record per call while it is open), else Error
// when no answer came back (a transport error, a timeout), else Warn when
// the downstream failed or pushed back (a 5xx or 429, Internal,
// ResourceExhausted...): its own records carry the error. Else Info.
func Called(rejected, noAnswer, downstreamFailed bool) slog.Level {
	switch {
	case rejected:
		return slog.LevelWarn
	case noAnswer:
		return slog.LevelError
	case downstreamFailed:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}
