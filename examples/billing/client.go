package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/retry"
)

// paymentsClient charges cards through the payments API. Its http.Client
// uses the vitals transport, which sends the request ID and turns transport
// failures into classified errctx errors: a refused connection is Transient
// (nothing was sent), a timeout Indeterminate (the charge may have
// happened).
type paymentsClient struct {
	url     string
	http    *http.Client
	timeout time.Duration // for one request
}

// receipt is a charge the API made.
type receipt struct {
	ID       string
	Replayed bool // the API answered a repeated idempotency key with the first charge
}

// declineError is the API's refusal of a card. It is an answer, not a failure:
// the job goes on and the customer is asked for another card.
type declineError struct{ Code, Message string }

func (d *declineError) Error() string { return "card declined: " + d.Code }

// charge asks the API for one charge. When ctx carries an idempotency key
// (retry.Policy.IdempotencyKey puts it there), it goes with the request, so
// the API makes the charge once however often it is sent.
//
// Each request gets its own timeout. The transport's Timeout would not do:
// it applies only to calls whose context has no deadline, and a job often
// runs under one of its own.
func (c *paymentsClient) charge(ctx context.Context, cu customer, reference string) (receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	body, err := json.Marshal(chargeRequest{Customer: cu.ID, AmountCents: cu.Cents, Currency: cu.Currency,
		Card: cu.Card, Reference: reference})
	if err != nil {
		return receipt{}, errctx.Wrap(err, "encoding the charge request", errctx.WithClass(errctx.Permanent))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/v1/charges", bytes.NewReader(body))
	if err != nil {
		return receipt{}, errctx.Wrap(err, "building the charge request", errctx.WithClass(errctx.Permanent))
	}
	req.Header.Set("Content-Type", "application/json")
	if key, ok := retry.IdempotencyKey(ctx); ok {
		req.Header.Set(idempotencyHdr, key)
	}
	resp, err := c.do(req)
	if err != nil {
		return receipt{}, err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusPaymentRequired {
		// 503 and 429: Transient, after their Retry-After; other 5xx:
		// Indeterminate (the charge may have been made); 4xx: Permanent.
		return receipt{}, middleware.ResponseError(resp, "")
	}
	defer resp.Body.Close()
	var answer chargeAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&answer); err != nil {
		// The status says what happened; an unreadable body after a 201
		// leaves the charge's ID unknown, which a human must look up.
		return receipt{}, errctx.Wrap(err, attempted(req)+": reading the answer ("+resp.Status+")",
			errctx.WithClass(errctx.Indeterminate),
			errctx.Remedy("the payments API's answer was unreadable; the charge may have been made"))
	}
	return answer.result(req, resp)
}

// do sends req. http.Client wraps the transport's errctx error
// (attempted, class, remedy) in a *url.Error that repeats the URL; do
// returns the errctx one, so logs render it as a group.
func (c *paymentsClient) do(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return resp, err
}

// charges lists every charge the API made, for the reconciliation check.
// It has no timeout of its own: the check's bounds it.
func (c *paymentsClient) charges(ctx context.Context) ([]listedCharge, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"/v1/charges", nil)
	if err != nil {
		return nil, errctx.Wrap(err, "building the list request", errctx.WithClass(errctx.Permanent))
	}
	resp, err := c.do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, middleware.ResponseError(resp, "")
	}
	defer resp.Body.Close()
	var page chargeList
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&page); err != nil {
		return nil, errctx.Wrap(err, attempted(req)+": reading the list", errctx.WithClass(errctx.Transient))
	}
	return page.Data, nil
}

// result turns the API's answer to a 201 or a 402 into a receipt or a
// decline.
func (a chargeAnswer) result(req *http.Request, resp *http.Response) (receipt, error) {
	switch {
	case resp.StatusCode == http.StatusCreated:
		return receipt{ID: a.ID, Replayed: resp.Header.Get(replayedHdr) == "true"}, nil
	case a.Error == nil:
		return receipt{}, errctx.Wrap(errors.New(resp.Status+" without the API's refusal"), attempted(req),
			errctx.WithClass(errctx.Permanent),
			errctx.Remedy("compare the payments API's answer with its documentation; nothing was charged"))
	}
	return receipt{}, errctx.Wrap(&declineError{Code: a.Error.DeclineCode, Message: a.Error.Message}, attempted(req),
		errctx.WithClass(errctx.NotAFailure),
		errctx.Remedy("none for us: the customer is mailed to update their card"))
}

// attempted names a request the way the vitals transport does, so that
// all errors about one charge read alike: "POST host/v1/charges".
func attempted(req *http.Request) string {
	return req.Method + " " + req.URL.Host + req.URL.Path
}
