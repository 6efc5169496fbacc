package middleware

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/vitals-go/vitals/errctx"
)

// callerBody is the caller's request body as the base transport reads it,
// noting whether a read failed: the caller's body breaking (a file gone, an
// upstream stream cut) is the caller's mistake, not the host's failure.
// The base transport may read it on a goroutine of its own, hence the
// atomic.
type callerBody struct {
	io.ReadCloser
	broke atomic.Bool
}

func (b *callerBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.broke.Store(true)
	}
	return n, err
}

// wrapsBody reports whether req has a body for callerBody to watch.
func wrapsBody(req *http.Request) bool { return req.Body != nil && req.Body != http.NoBody }

// bodyLengthErrors are the texts of the errors net/http returns when a
// body is shorter or longer than its ContentLength (HTTP/1, then HTTP/2),
// which it exports neither of and may wrap ("net/http: HTTP/1.x transport
// connection broken: http: ContentLength=10 with Body length 3").
var bodyLengthErrors = [...]string{
	"http: ContentLength=",
	"http2: request body larger than specified content length",
}

// bodyBroke reports whether err, the base transport's error for c's
// request, is the caller's body failing: a read error of its own, or a
// length other than its ContentLength.
func (c *call) bodyBroke(err error) bool {
	if c != nil && c.reqBody != nil && c.reqBody.broke.Load() {
		return true
	}
	s := err.Error()
	for _, text := range bodyLengthErrors {
		if strings.Contains(s, text) {
			return true
		}
	}
	return false
}

// callersError returns the error of a call that failed by its caller's
// doing, err being the base transport's error: a request net/http refused
// before sending, or whose body failed while it was sent. It returns nil
// when the failure is not the caller's.
func callersError(req *http.Request, c *call, err error) error {
	switch {
	case sentNothing(err):
		return unsentError(req, err)
	case c.bodyBroke(err):
		return errctx.Wrap(fmt.Errorf("request body failed while sending: %w", err), attempted(req),
			errctx.WithClass(errctx.Permanent),
			errctx.Remedy("fix the request's body (its reader, or its ContentLength); "+hostOf(req)+" is not to blame"))
	}
	return nil
}
