package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	vlog "github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/middleware"
)

// orderRequest is the body of POST /orders.
type orderRequest struct {
	Customer    string `json:"customer"`
	AmountCents int64  `json:"amount_cents"`
	Card        string `json:"card"`
}

// orderResponse is the answer to POST /orders.
type orderResponse struct {
	Order  string `json:"order,omitempty"`
	Status string `json:"status"` // paid, declined, payment_deferred, payment_failed, payment_unknown
	Charge string `json:"charge,omitempty"`
	Error  string `json:"error,omitempty"`
}

// orders is the service's one handler: it takes an order and charges its
// card through the payments client (the vitals transport, with its breaker).
type orders struct {
	client   *http.Client
	payments string // base URL of the payments service
	logger   *slog.Logger
	seq      atomic.Int64
	counted  func(status int) // told the status of every answer
	gifts    giftCards
}

// accessLevel is the level of the access record: the middleware's default,
// except that a declined card (402) is a normal outcome, not a warning.
func accessLevel(o middleware.ServerOutcome) slog.Level {
	if o.Status == http.StatusPaymentRequired {
		return slog.LevelInfo
	}
	return middleware.DefaultServerLevel(o)
}

// create serves POST /orders.
func (o *orders) create(w http.ResponseWriter, r *http.Request) {
	var req orderRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Customer == "" || req.AmountCents <= 0 || req.Card == "" {
		o.answer(w, http.StatusBadRequest, orderResponse{Status: "invalid",
			Error: "want a JSON body with customer, amount_cents > 0 and card"})
		return
	}
	id := "ord-" + strconv.FormatInt(o.seq.Add(1), 10)
	// Every record logged with ctx from here on carries the order ID, besides
	// the request ID, method and route the middleware put there.
	ctx := vlog.With(r.Context(), "order_id", id)
	if isGiftCard(req.Card) {
		o.gifts.redeem(req.Card, req.AmountCents) // see gift.go
	}

	resp, err := o.charge(ctx, id, req)
	switch {
	case errors.Is(err, breaker.ErrOpen):
		// Not attempted: payments is fenced off. Take the order and charge
		// it later rather than make the customer wait on a dead dependency.
		wait, _ := errctx.RetryAfterOf(err)
		o.logger.InfoContext(ctx, "payments breaker is open: order accepted, charge deferred",
			"customer", req.Customer, "amount_cents", req.AmountCents, "retry_in", wait.Round(time.Millisecond).String())
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)))
		o.answer(w, http.StatusAccepted, orderResponse{Order: id, Status: "payment_deferred"})
	case err != nil:
		o.failed(ctx, w, id, req, err)
	case resp.Declined != "":
		o.logger.InfoContext(ctx, "card declined", "customer", req.Customer,
			"amount_cents", req.AmountCents, "reason", resp.Declined)
		o.answer(w, http.StatusPaymentRequired, orderResponse{Order: id, Status: "declined"})
	default:
		o.answer(w, http.StatusCreated, orderResponse{Order: id, Status: "paid", Charge: resp.Charge})
	}
}

// charge calls POST /charges. A declined card is an answer (resp.Declined),
// not an error; errors are errctx errors from the transport, or
// middleware.ResponseError's for any other status (a 503 is Transient:
// payments did not take the charge).
func (o *orders) charge(ctx context.Context, id string, req orderRequest) (chargeResponse, error) {
	var out chargeResponse
	body, err := json.Marshal(chargeRequest{Order: id, AmountCents: req.AmountCents, Card: req.Card})
	if err != nil {
		return out, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, o.payments+"/charges", bytes.NewReader(body))
	if err != nil {
		return out, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := o.client.Do(hreq)
	if err != nil {
		var uerr *url.Error // http.Client's wrapper only repeats the method and URL
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return out, err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusPaymentRequired {
		return out, middleware.ResponseError(resp, "")
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return out, errctx.Wrap(err, "POST "+hreq.URL.Host+"/charges: reading the answer ("+resp.Status+")",
			errctx.WithClass(errctx.Indeterminate),
			errctx.Remedy("payments' answer was unreadable; the charge may have been made"))
	}
	return out, nil
}

// failed answers an order whose charge failed, logging what was attempted
// and what to do about it. A call that timed out may have charged the card:
// its order is left for reconciliation, never charged again blindly.
func (o *orders) failed(ctx context.Context, w http.ResponseWriter, id string, req orderRequest, err error) {
	status, answer := http.StatusBadGateway, "payment_failed"
	remedy := "nothing was charged: the customer can place the order again; if payments keeps failing, its breaker stops the calls"
	if errctx.ClassOf(err) == errctx.Indeterminate {
		status, answer = http.StatusGatewayTimeout, "payment_unknown"
		remedy = "the card may have been charged: reconcile order " + id + " with payments before charging it again"
	}
	err = errctx.Wrap(err, "charge order "+id, errctx.Remedy(remedy),
		errctx.Fields("customer", req.Customer, "amount_cents", req.AmountCents),
		errctx.Secret("card", req.Card))
	o.logger.ErrorContext(ctx, "charge failed", "error", err)
	o.answer(w, status, orderResponse{Order: id, Status: answer})
}

// answer writes the response and counts it for the summary.
func (o *orders) answer(w http.ResponseWriter, status int, resp orderResponse) {
	o.counted(status)
	reply(w, status, resp)
}
