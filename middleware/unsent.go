package middleware

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"golang.org/x/net/http/httpguts"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/record"
)

// refusal says why net/http would refuse to send req before writing a
// byte of it ("" when it would not): no URL or host, a method or header
// name that is not a token, a header value with a control character (a
// line break), an invalid Host. The Transport checks this before the
// breaker, so that one caller's bad input never counts against a healthy
// host.
func refusal(req *http.Request) string {
	switch {
	case req.URL == nil:
		return "it has no URL"
	case req.URL.Host == "":
		return "its URL has no host"
	case req.Header == nil:
		return "its Header is nil"
	case req.Method != "" && !httpguts.ValidHeaderFieldName(req.Method):
		return "its method " + quote(req.Method) + " is not a token"
	case req.Host != "" && !httpguts.ValidHostHeader(req.Host):
		return "its Host " + quote(req.Host) + " is not a valid host"
	}
	for name, values := range req.Header {
		if !httpguts.ValidHeaderFieldName(name) {
			return "its header name " + quote(name) + " is not a token"
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return "the value of its header " + quote(name) + " has a control character such as a line break"
			}
		}
	}
	return ""
}

// quote returns s bounded and quoted with every non-ASCII or control
// character escaped, for error texts.
func quote(s string) string {
	return strconv.QuoteToASCII(record.Truncate(s, maxQuotedName))
}

// unsentError is the error of a call refused before it was sent, for the
// reason why: the caller's mistake, Permanent (it fails the same way again),
// never counted by the host's breaker.
func unsentError(req *http.Request, why string) error {
	return errctx.Wrap(errors.New("request refused before sending: "+why), attempted(req),
		errctx.WithClass(errctx.Permanent),
		errctx.Remedy("fix the request: it was never sent, so "+hostOf(req)+" is not to blame"))
}

// endedError is the error of a call whose caller's context ended (err)
// before it was sent: NotAFailure when the caller cancelled it, Transient
// when the caller's deadline had passed (nothing reached the host).
func endedError(req *http.Request, err error) error {
	class := errctx.Transient
	if errors.Is(err, context.Canceled) {
		class = errctx.NotAFailure
	}
	return errctx.Wrap(err, attempted(req), errctx.WithClass(class),
		errctx.Remedy("the caller's context ended before the call was sent; nothing reached "+hostOf(req)))
}
