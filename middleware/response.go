package middleware

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/retryafter"
)

// Bounds of what ResponseError reads of a body.
const (
	// maxDrain is read so that the connection can carry the next call; a
	// longer body is cut and its connection closed.
	maxDrain = 64 << 10
	// maxExcerpt is how much of the body the error keeps, before escaping.
	maxExcerpt = 256
)

// ResponseError turns an HTTP response the caller did not want into an
// error: nil when the status is below 400, else an errctx error classed so
// that package retry and breakers act on it rightly:
//
//	status                      class          why
//	408, 425, 429, 503          Transient      not processed; try again later (after Retry-After)
//	other 4xx                   Permanent      the same request fails the same way
//	501, 505                    Permanent      the server cannot do it at all
//	500, 502, 504, other 5xx    Indeterminate  it may have been done
//
// 502 and 504 come from a gateway whose upstream may have acted before it
// failed or timed out, so they are Indeterminate like a timeout: retried
// only when the operation is idempotent. 503 says the server did not
// process the request (RFC 9110), so it is Transient. The Retry-After of
// a 429 or 503, in seconds or as an HTTP date, is kept with
// errctx.RetryAfter, which retry.Do waits for (up to its Cap).
//
// The error reads attempted (the request's "METHOD host/path" when empty),
// then "status 503 Service Unavailable"; its fields are status and body,
// the first 256 bytes of the body with everything outside printable ASCII
// escaped, so a hostile body cannot forge a log line. ResponseError reads
// at most 64 KiB of the body, so that the connection is reused, and closes
// it: do not read it afterwards.
//
// A status that is an answer to you, such as a 404 from a lookup, is to be
// handled before calling ResponseError: a Permanent error counts against a
// breaker of your own (the Transport's breakers count only 5xx and 429). A
// nil resp gives a Permanent error.
func ResponseError(resp *http.Response, attempted string) error {
	if resp == nil {
		return errctx.New(attempted+": no response", errctx.WithClass(errctx.Permanent),
			errctx.Remedy("call ResponseError with the response of a call that returned no error"))
	}
	code := resp.StatusCode
	if code < 400 {
		return nil
	}
	excerpt := drainExcerpt(resp.Body)
	host := "the server"
	if resp.Request != nil {
		attempted = orAttempted(attempted, resp.Request)
		if h := hostOf(resp.Request); h != "" {
			host = h
		}
	}
	opts := []errctx.Option{errctx.WithClass(responseClass(code)), errctx.Remedy(statusRemedy(code, host)),
		errctx.Fields("status", code, "body", excerpt)}
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		if after, ok := retryafter.Parse(resp.Header.Get("Retry-After"), time.Now()); ok {
			opts = append(opts, errctx.RetryAfter(after))
		}
	}
	return errctx.Wrap(errors.New("status "+strconv.Itoa(code)+" "+http.StatusText(code)), attempted, opts...)
}

// orAttempted returns text, or req's "METHOD host/path" when it is empty.
func orAttempted(text string, req *http.Request) string {
	if text != "" {
		return text
	}
	return attempted(req)
}

// responseClass is the class of a status of 400 or more; see ResponseError.
func responseClass(code int) errctx.Class {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly,
		code == http.StatusTooManyRequests, code == http.StatusServiceUnavailable:
		return errctx.Transient
	case code < 500, code == http.StatusNotImplemented, code == http.StatusHTTPVersionNotSupported:
		return errctx.Permanent
	}
	return errctx.Indeterminate
}

// drainExcerpt reads body (up to maxDrain), closes it, and returns its
// first maxExcerpt bytes escaped.
func drainExcerpt(body io.ReadCloser) string {
	if body == nil {
		return ""
	}
	defer body.Close()
	var buf [maxExcerpt]byte
	n, _ := io.ReadFull(body, buf[:])
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain-int64(n)))
	q := strconv.QuoteToASCII(string(buf[:n]))
	return strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
}
