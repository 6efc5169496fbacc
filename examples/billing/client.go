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
	resp, err := c.http.Do(req)
	if err != nil {
		// http.Client wraps the transport's errctx error (attempted, class,
		// remedy) in a *url.Error that repeats the URL; keep the errctx one,
		// so logs render it as a group.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return receipt{}, err
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

// result turns the API's answer into a receipt or a classified error.
func (a chargeAnswer) result(req *http.Request, resp *http.Response) (receipt, error) {
	code, msg := resp.StatusCode, resp.Status
	if a.Error != nil {
		msg += ": " + a.Error.Code + ": " + a.Error.Message
	}
	what := attempted(req)
	switch {
	case code == http.StatusCreated:
		return receipt{ID: a.ID, Replayed: resp.Header.Get(replayedHdr) == "true"}, nil
	case code == http.StatusPaymentRequired && a.Error != nil:
		return receipt{}, errctx.Wrap(&declineError{Code: a.Error.DeclineCode, Message: a.Error.Message}, what,
			errctx.WithClass(errctx.NotAFailure),
			errctx.Remedy("none for us: the customer is mailed to update their card"))
	case code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests:
		return receipt{}, errctx.Wrap(errors.New(msg), what,
			errctx.WithClass(errctx.Transient),
			errctx.Remedy("the payments API did not process the charge; it is safe to try again later"))
	case code >= 500:
		return receipt{}, errctx.Wrap(errors.New(msg), what,
			errctx.WithClass(errctx.Indeterminate),
			errctx.Remedy("the payments API failed while charging; the charge may have been made"))
	}
	return receipt{}, errctx.Wrap(errors.New(msg), what,
		errctx.WithClass(errctx.Permanent),
		errctx.Remedy("the payments API refused the charge as invalid; nothing was charged"))
}

// attempted names a request the way the vitals transport does, so that
// all errors about one charge read alike: "POST host/v1/charges".
func attempted(req *http.Request) string {
	return req.Method + " " + req.URL.Host + req.URL.Path
}
