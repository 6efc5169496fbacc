package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
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

// httpPost is one JSON POST of the HTTP sinks (Alertmanager, webhook).
type httpPost struct {
	client   *http.Client
	endpoint string      // where to POST
	shown    string      // the endpoint as errors name it, without secrets
	header   http.Header // sent besides Content-Type; may be nil
	remedy   string      // when the endpoint cannot be reached
}

// post sends v as JSON and classes the failure: see httpStatusError for
// the answers; a request that never got one is an errctx error saying
// where, whose text names the endpoint only as p.shown.
func (p httpPost) post(ctx context.Context, v any) error {
	attempted := "POST " + p.shown
	body, err := json.Marshal(v)
	if err != nil {
		return errctx.Wrap(err, attempted, errctx.WithClass(errctx.Permanent))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return errctx.Wrap(errors.New("cannot make the request"), attempted, errctx.WithClass(errctx.Permanent),
			errctx.Remedy("check the sink's URL"))
	}
	for k, vs := range p.header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	// Posting an alert twice does less harm than losing it (Alertmanager
	// merges alerts by labels; a person reads a duplicate), so saying so
	// lets net/http send it again on a fresh connection when a reused
	// keep-alive one turns out closed, as it is after the server restarts.
	// A nil value is not sent on the wire.
	req.Header["Idempotency-Key"] = nil
	resp, err := p.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = p.shown // the URL may carry a token (a Slack webhook's path)
		}
		return errctx.Wrap(err, attempted, errctx.Remedy(p.remedy))
	}
	return httpStatusError(resp, attempted)
}

// httpStatusError drains (at most maxDrain) and closes resp's body, and
// returns nil for a 2xx, else an errctx error: 429 and 503 Transient with
// their Retry-After, another 4xx Permanent (the same payload fails the same
// way), another status Transient.
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
