// Package level holds the one policy by which the middleware picks the
// level of its records, HTTP and gRPC, server and client alike. Each
// protocol says what its outcome means (a [Request], a [Call]); this
// package says how loud it is:
//
//	record                                                   level
//	server: the server failed (a panic, a 5xx, Internal...)  Error
//	server: the server shed the request, saying when to      Warn
//	        retry (a 503 with Retry-After, a dependency's
//	        breaker open): no failure of its own, and the
//	        breaker's transition record already says why
//	server: the request was refused or cut short (a 4xx,     Warn
//	        a deadline, an aborted response)
//	server: the client went away (cancelled)                 Info
//	server: answered                                         Info
//	client: the caller cancelled the call                    Info
//	client: an open breaker rejected the call                Debug
//	        (announced once by the breaker's own Warn)
//	client: refused before sending (the caller's mistake)    Warn
//	client: no answer (transport error, timeout, deadline)   Error
//	client: the downstream failed or pushed back (5xx, 429)  Warn
//	client: answered (a 404 from a lookup included)          Info
//
// The smallest complete use:
//
//	func DefaultServerLevel(o ServerOutcome) slog.Level {
//		return level.Served(level.Request{Failed: o.Panicked || o.Status >= 500, Refused: o.Status >= 400})
//	}
package level

import "log/slog"

// Request is what became of a request served, as far as the level of its
// record goes.
type Request struct {
	Failed     bool // the server failed: a panic, a 5xx, Internal, Unknown...
	Shed       bool // the server declined for now and said when to retry
	Refused    bool // refused or cut short: a 4xx, a deadline, an aborted response
	ClientGone bool // the client went away: it cancelled
}

// Served is the level of the record of a request served: Error when the
// server failed (unless it shed the request), Warn when it shed it, Info
// when the client went away, Warn when the request was refused or cut
// short, else Info.
func Served(r Request) slog.Level {
	switch {
	case r.Failed && !r.Shed:
		return slog.LevelError
	case r.Shed:
		return slog.LevelWarn
	case r.ClientGone:
		return slog.LevelInfo
	case r.Refused:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// Call is what became of an outbound call, as far as the level of its
// record goes.
type Call struct {
	Cancelled        bool // its caller cancelled it (a deadline is not a cancellation)
	Rejected         bool // an open breaker refused it; it was not sent
	Unsent           bool // refused before sending: the caller's mistake
	NoAnswer         bool // no answer came back: a transport error, a timeout
	DownstreamFailed bool // the downstream failed or pushed back: a 5xx, 429, Internal...
}

// Called is the level of the record of an outbound call: Info when its
// caller cancelled it (the caller decided; nothing failed), Debug when an
// open breaker rejected it (the breaker announced that once, at Warn, when
// it opened; a record per call would flood), Warn when it was refused
// before sending, Error when no answer came back, Warn when the
// downstream failed or pushed back (its own records carry the error),
// else Info.
func Called(c Call) slog.Level {
	switch {
	case c.Cancelled:
		return slog.LevelInfo
	case c.Rejected:
		return slog.LevelDebug
	case c.Unsent:
		return slog.LevelWarn
	case c.NoAnswer:
		return slog.LevelError
	case c.DownstreamFailed:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}
