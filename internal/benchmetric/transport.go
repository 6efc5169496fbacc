package benchmetric

import (
	"context"
	"errors"
	"net/http"
)

// CannedTransport answers every call at once with 200 OK and an empty body,
// so that a benchmark of a client middleware measures the middleware and
// not the network. With Watch set it first treats the request's context as
// http.Transport does: it derives a cancellable context, watches it, and
// cancels it when the call is done; that is what arms the timer of a
// deadline the middleware put on the context, which a base that never looks
// at the context would leave out of the figures.
type CannedTransport struct{ Watch bool }

var errCallDone = errors.New("call done")

// RoundTrip implements http.RoundTripper.
func (c CannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.Watch {
		ctx, cancel := context.WithCancelCause(req.Context())
		defer cancel(errCallDone)
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		default:
		}
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: http.NoBody, Header: http.Header{}}, nil
}
