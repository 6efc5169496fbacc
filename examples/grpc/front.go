package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/middleware"
	"github.com/vitals-go/vitals/reqid"
)

// quoteAnswer is the body of a GET /quote answer: the quote, or what went
// wrong and the request ID to quote to the operators.
type quoteAnswer struct {
	*quoteReply
	Error     string `json:"error,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// front is the HTTP front end: GET /quote?sku=sku-3&qty=2 asks the inventory
// back end over gRPC, through the client interceptors.
type front struct {
	inventory inventoryClient
	counted   func(outcome) // told the outcome of every answer
}

// outcome is what became of one quote, for the answer's status and the
// summary.
type outcome struct {
	name   string
	status int
}

// The outcomes of GET /quote.
var (
	quoted        = outcome{"quoted", http.StatusOK}
	invalid       = outcome{"invalid", http.StatusBadRequest}
	unknownSKU    = outcome{"unknown_sku", http.StatusNotFound}
	fenced        = outcome{"fenced_off", http.StatusServiceUnavailable}
	unavailable   = outcome{"inventory_unavailable", http.StatusServiceUnavailable}
	timedOut      = outcome{"inventory_timeout", http.StatusGatewayTimeout}
	backendFailed = outcome{"inventory_failed", http.StatusBadGateway}
)

// accessLevel is the level of the front's access record: the middleware's
// default, except that an unknown SKU (404) is an answer, not a warning.
func accessLevel(o middleware.ServerOutcome) slog.Level {
	if o.Status == http.StatusNotFound {
		return slog.LevelInfo
	}
	return middleware.DefaultServerLevel(o)
}

// quote serves GET /quote.
func (f *front) quote(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	qty, err := strconv.Atoi(r.URL.Query().Get("qty"))
	if sku == "" || err != nil || qty <= 0 {
		f.answer(r.Context(), w, invalid, quoteAnswer{Error: "want /quote?sku=sku-3&qty=2 with qty > 0"})
		return
	}
	// r.Context() carries the request ID of the front's middleware: the
	// client interceptor sends it to the back end as x-request-id.
	reply, err := f.inventory.Quote(r.Context(), &quoteRequest{SKU: sku, Qty: qty})
	if err == nil {
		f.answer(r.Context(), w, quoted, quoteAnswer{quoteReply: reply})
		return
	}
	// The client interceptor has logged the call with what was attempted
	// and the remedy; here the error only picks the answer.
	o, msg := classify(err)
	if o == fenced {
		wait, _ := errctx.RetryAfterOf(err)
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	}
	f.answer(r.Context(), w, o, quoteAnswer{Error: msg})
}

// classify maps an error of the inventory client to an outcome and the
// message for the caller. The back end's message is passed on only for
// answers (NotFound, InvalidArgument); a failure says what failed, not why.
// The statuses agree with grpcmw.HTTPStatusOf for the answers, Unavailable
// and DeadlineExceeded; any other failure of the back end is the front's
// 502 Bad Gateway, where HTTPStatusOf, made for a gateway passing its
// caller's request on, says 500 for Internal.
func classify(err error) (outcome, string) {
	if errors.Is(err, breaker.ErrOpen) {
		return fenced, "inventory is fenced off by its breaker after repeated failures; retry later"
	}
	st := status.Convert(err)
	switch st.Code() {
	case codes.NotFound:
		return unknownSKU, st.Message()
	case codes.InvalidArgument:
		return invalid, st.Message()
	case codes.Unavailable:
		return unavailable, "inventory is unavailable; retry later"
	case codes.DeadlineExceeded:
		return timedOut, "inventory did not answer in time"
	}
	return backendFailed, "inventory failed to quote"
}

// answer writes the JSON answer, with the request ID on failures, and counts
// it for the summary.
func (f *front) answer(ctx context.Context, w http.ResponseWriter, o outcome, a quoteAnswer) {
	if a.Error != "" {
		a.RequestID, _ = reqid.From(ctx)
	}
	f.counted(o)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(o.status)
	_ = json.NewEncoder(w).Encode(a)
}
