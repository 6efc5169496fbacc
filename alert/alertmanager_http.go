package alert

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/retryafter"
)

// maxDrain bounds what httpStatusError reads of an answer's body, so that a
// hostile or broken server cannot make a sink read forever.
const maxDrain = 64 << 10

// defaultHTTPClient is the client of a sink given none: dials and idle
// connections are bounded; each request is bounded by its ctx.
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}}
}

// httpStatusError drains (at most maxDrain) and closes resp's body, and
// returns nil for a 2xx, else an errctx error: 429 and 503 Transient with
// their Retry-After, another 4xx Permanent, another status Transient (an
// alert posted twice is merged by its labels, so trying again is safe).
func httpStatusError(resp *http.Response, attempted string) error {
	var excerpt [256]byte
	n, _ := io.ReadFull(resp.Body, excerpt[:])
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain-int64(n)))
	_ = resp.Body.Close()
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	class := errctx.Transient
	if code >= 400 && code < 500 && code != http.StatusTooManyRequests {
		class = errctx.Permanent
	}
	opts := []errctx.Option{errctx.WithClass(class),
		errctx.Fields("status", code, "body", strconv.QuoteToASCII(string(excerpt[:n])))}
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		if d, ok := retryafter.Parse(resp.Header.Get("Retry-After"), time.Now()); ok {
			opts = append(opts, errctx.RetryAfter(d))
		}
	}
	return errctx.Wrap(errors.New("status "+resp.Status), attempted, opts...)
}
