package grpcmw

import (
	"log/slog"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"

	"github.com/vitals-go/vitals/internal/panics"
	"github.com/vitals-go/vitals/internal/record"
	"github.com/vitals-go/vitals/middleware/internal/level"
)

// ServerOutcome is what happened to one call served, as the record sees it
// after the handler returned. Level and Skip decide on it.
type ServerOutcome struct {
	Method   string        // the full method, "/package.Service/Method"
	Code     codes.Code    // the code the client gets
	Err      error         // the handler's error; nil for OK
	Duration time.Duration // from the interceptor's start to the handler's return
	Stream   bool          // a streaming call
	Panicked bool          // the handler panicked (Code is Internal)
	// Shed: the handler declined the call for now and said when to retry:
	// Unavailable or ResourceExhausted with an error that wraps
	// breaker.ErrOpen (a dependency's breaker is open) or a status that
	// carries a google.rpc.RetryInfo detail. Not a failure of the server.
	Shed bool
}

// DefaultServerLevel is the default ServerConfig.Level, by the table of
// package middleware's "Levels": Error for a panic and for Unknown,
// Internal, DataLoss and Unavailable (the server failed) unless the call
// was shed (Warn); Info for Canceled (the client went away) and OK; Warn
// for the other codes (the call was refused or cut short: a bad argument,
// a missing entity, a deadline).
func DefaultServerLevel(o ServerOutcome) slog.Level {
	return level.Served(level.Request{Failed: o.Panicked || isServerFault(o.Code), Shed: o.Shed,
		Refused: o.Code != codes.OK, ClientGone: o.Code == codes.Canceled})
}

// isServerFault reports the codes that say the server failed, rather than
// refused the call.
func isServerFault(c codes.Code) bool {
	switch c {
	case codes.Unknown, codes.Internal, codes.DataLoss, codes.Unavailable:
		return true
	}
	return false
}

// SkipSucceeded returns a Skip function that skips calls to the given full
// methods (such as "/grpc.health.v1.Health/Check") when they returned OK. A
// failing health check is still logged.
func SkipSucceeded(methods ...string) func(ServerOutcome) bool {
	methods = slices.Clone(methods)
	return func(o ServerOutcome) bool {
		return o.Code == codes.OK && !o.Panicked && slices.Contains(methods, o.Method)
	}
}

// codeOf returns the code gRPC sends for a handler's error: OK for nil,
// else the code of [statusOf].
func codeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	return statusOf(err).Code()
}

func (s *ServerInterceptor) loggerOrDefault() *slog.Logger {
	if s.logger != nil {
		return s.logger
	}
	return slog.Default()
}

// log writes the one record of a call, with the context the call came with
// (its trace span) and every other field, the request ID included, added
// here explicitly: the record is the same with any slog handler.
func (s *ServerInterceptor) log(c *inbound, o ServerOutcome, p *panicked) {
	if p == nil && s.skip != nil && s.skip(o) {
		return
	}
	handler := s.loggerOrDefault().Handler()
	lvl := s.level(o)
	if !handler.Enabled(c.logCtx, lvl) {
		return
	}
	var buf [12]slog.Attr
	attrs := append(buf[:0],
		slog.String("method", o.Method),
		slog.String("code", o.Code.String()),
		slog.Duration("duration", o.Duration),
		slog.String("request_id", c.id),
	)
	if pr, ok := peer.FromContext(c.logCtx); ok && pr.Addr != nil {
		attrs = append(attrs, slog.String("peer", peerString(pr.Addr)))
	}
	if c.stream != "" {
		attrs = append(attrs, slog.String("stream", c.stream))
	}
	if c.rejected != "" {
		attrs = append(attrs, record.RejectedID(c.rejected))
	}
	msg := "request"
	switch {
	case p != nil:
		msg = "request panicked"
		attrs = panics.AppendAttrs(attrs, "serve "+o.Method, p.value, p.stack, panicRemedy)
	case o.Err != nil:
		attrs = append(attrs,
			slog.String("attempted", "serve "+o.Method),
			slog.Any("error", o.Err),
			slog.String("remedy", serverRemedy(o.Code)))
	}
	record.Emit(c.logCtx, handler, c.start.Add(o.Duration), lvl, msg, attrs)
}

// serverRemedy says what to do about a call that did not end OK.
func serverRemedy(c codes.Code) string {
	switch c {
	case codes.Canceled:
		return "the client cancelled the call or went away; nothing to fix here unless it keeps happening"
	case codes.DeadlineExceeded:
		return "the call ran out of its deadline; find the slow step in this request_id's records or give the call more time"
	case codes.Unavailable:
		return "the handler or one of its dependencies is unavailable; check the dependency named in the error"
	case codes.Unknown, codes.Internal, codes.DataLoss:
		return "the handler failed; read the error and the handler's records with this request_id"
	case codes.ResourceExhausted:
		return "a limit was reached; check quotas and load, and that the client backs off"
	case codes.Unimplemented:
		return "the client called a method this server does not implement; check client and server versions"
	}
	return "the call was refused (" + c.String() + "); check the request against the API"
}
