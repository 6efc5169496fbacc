package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/record"
)

// refusal says why net/http would refuse to send req before writing a
// byte of it ("" when it would not): no URL or host, a method or header
// or trailer name that is not a token, a header or trailer value with a
// control character (a line break), an invalid Host. The Transport checks
// this before the breaker, so that one caller's bad input never counts
// against a healthy host; what it cannot know ahead (a URL scheme the base
// transport does not serve) is recognised in the error, see [sentNothing].
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
	if why := badField("header", req.Header); why != "" {
		return why
	}
	return badField("trailer", req.Trailer)
}

// badField says why net/http would refuse one of fields, a request's
// headers or trailers (kind), "" when it would not.
func badField(kind string, fields http.Header) string {
	for name, values := range fields {
		if !httpguts.ValidHeaderFieldName(name) {
			return "its " + kind + " name " + quote(name) + " is not a token"
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return "the value of its " + kind + " " + quote(name) + " has a control character such as a line break"
			}
		}
	}
	return ""
}

// sentNothing reports whether err is one net/http's Transport returns
// before it sends anything: a URL scheme it does not serve (unless
// registered with RegisterProtocol, which only it knows), and the
// refusals [refusal] checks ahead, in case a base transport of the
// caller's own gets them first. net/http exports none of them, so they
// are recognised by their text, unchanged since Go 1.
func sentNothing(err error) bool {
	s := err.Error()
	for _, prefix := range netHTTPRefusals {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// netHTTPRefusals are the beginnings of the texts of the errors
// net/http's Transport.RoundTrip returns before sending.
var netHTTPRefusals = [...]string{
	"unsupported protocol scheme ",
	"http: nil Request.",
	"http: no Host in request URL",
	"net/http: invalid header ",
	"net/http: invalid trailer ",
	"net/http: invalid method ",
}

// quote returns s bounded and quoted with every non-ASCII or control
// character escaped, for error texts.
func quote(s string) string {
	return strconv.QuoteToASCII(record.Truncate(s, maxQuotedName))
}

// unsentError is the error of a call refused before it was sent, for the
// reason why (net/http's error, or one [refusal] made): the caller's
// mistake, Permanent (it fails the same way again), never counted by the
// host's breaker.
func unsentError(req *http.Request, why error) error {
	return errctx.Wrap(fmt.Errorf("request refused before sending: %w", why), attempted(req),
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
