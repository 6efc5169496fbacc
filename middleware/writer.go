package middleware

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
)

// responseWriter records what a handler did with its response: the status,
// the bytes written, whether the connection was hijacked and whether a write
// failed. It keeps http.Flusher, http.Hijacker and io.ReaderFrom, and Unwrap
// lets http.ResponseController reach the methods it does not wrap
// (SetReadDeadline, EnableFullDuplex, ...).
//
// One is allocated per request; it also carries the request (for the lazily
// resolved route in log records), the copy of the request made to change its
// context, and the backing array of the echoed request ID header, so those
// cost no allocation of their own.
type responseWriter struct {
	http.ResponseWriter
	req    *http.Request // the request as the handler received it
	routed *http.Request // the request the router received, set by Routed
	route  func(*http.Request) string
	bytes  int64
	// status and the flags share one word, keeping the writer in the
	// allocator's 384-byte class.
	status      int16 // 100-999 once wroteHeader
	wroteHeader bool
	hijacked    bool
	writeFailed bool         // a write failed because the client went away
	returned    bool         // the handler returned (did not panic)
	mistake     writeMistake // the first write net/http refused as the handler's mistake
	retryAfter  bool         // a 503 or 429 went out with a Retry-After header
	idHeader    [1]string
	reqCopy     http.Request // storage for req when the middleware changed its context
}

// writeMistake is a write net/http refuses because of the handler, not the
// client.
type writeMistake uint8

const (
	noMistake         writeMistake = iota
	bodyNotAllowed                 // a body after a 1xx, 204 or 304
	pastContentLength              // more bytes than the declared Content-Length
)

// err returns the error net/http reports for m; nil for noMistake.
func (m writeMistake) err() error {
	switch m {
	case bodyNotAllowed:
		return http.ErrBodyNotAllowed
	case pastContentLength:
		return http.ErrContentLength
	}
	return nil
}

// mistakeOf returns the handler's mistake behind a write error, or
// noMistake when the client went away. HTTP/2 reports a write past the
// Content-Length with an error of its own, recognised by its text.
func mistakeOf(err error) writeMistake {
	switch {
	case errors.Is(err, http.ErrBodyNotAllowed):
		return bodyNotAllowed
	case errors.Is(err, http.ErrContentLength), strings.Contains(err.Error(), "more than declared Content-Length"):
		return pastContentLength
	}
	return noMistake
}

var (
	_ http.Flusher  = (*responseWriter)(nil)
	_ http.Hijacker = (*responseWriter)(nil)
	_ io.ReaderFrom = (*responseWriter)(nil)
)

// WriteHeader passes code on and records the first final status.
// Informational 1xx codes (other than 101) are not recorded, since a final
// status follows them. The code is recorded only once net/http took it: it
// panics, sending nothing, on a code outside 100-999. Whether a 503 or
// 429 carries Retry-After is read now: a header set after WriteHeader is
// not sent.
func (w *responseWriter) WriteHeader(code int) {
	retryAfter := (code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests) &&
		len(w.Header()["Retry-After"]) > 0
	w.ResponseWriter.WriteHeader(code)
	if !w.wroteHeader && code >= 100 && code <= 999 && (code > 199 || code == http.StatusSwitchingProtocols) {
		w.status, w.wroteHeader, w.retryAfter = int16(code), true, retryAfter
	}
}

// Write counts the bytes written; a first Write implies status 200.
func (w *responseWriter) Write(p []byte) (int, error) {
	w.implicitOK()
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	if err != nil {
		w.failed(err)
	}
	return n, err
}

// failed records why a write failed: the handler's mistake, which net/http
// refuses while the client is still there, or the client going away.
func (w *responseWriter) failed(err error) {
	switch m := mistakeOf(err); {
	case m == noMistake:
		w.writeFailed = true
	case w.mistake == noMistake:
		w.mistake = m
	}
}

// ReadFrom uses the underlying writer's ReadFrom when it has one (net/http's
// does: sendfile and splice), else copies through Write.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	w.implicitOK()
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err := rf.ReadFrom(src)
		w.bytes += n
		if err != nil {
			w.failed(err)
		}
		return n, err
	}
	return io.Copy(writerOnly{w}, src)
}

// writerOnly hides ReadFrom so io.Copy does not call back into it.
type writerOnly struct{ io.Writer }

// Flush implements http.Flusher; it is a no-op when the underlying writer
// cannot flush.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError flushes and reports why it could not (http.ErrNotSupported when
// nothing underneath can flush). http.ResponseController prefers it.
func (w *responseWriter) FlushError() error {
	w.implicitOK()
	err := http.NewResponseController(w.ResponseWriter).Flush()
	if err != nil && err != http.ErrNotSupported {
		w.failed(err)
	}
	return err
}

// Hijack implements http.Hijacker; it returns http.ErrNotSupported when the
// underlying writer cannot be hijacked (HTTP/2).
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *responseWriter) implicitOK() {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
}

// lazyRoute is the "route" value put in the log context before the mux has
// matched: it resolves when a record is logged, so records logged by the
// handler carry the pattern the mux matched after this middleware ran.
type lazyRoute responseWriter

// LogValue implements slog.LogValuer.
func (l *lazyRoute) LogValue() slog.Value {
	w := (*responseWriter)(l)
	return slog.StringValue(w.route(w.routeReq()))
}

// routeReq returns the request the route is read from: the one the router
// received when Routed saw it, else the one the handler received.
func (w *responseWriter) routeReq() *http.Request {
	if w.routed != nil {
		return w.routed
	}
	return w.req
}
