package errctx_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// errDeclined is the payment gateway's answer for a card it refuses.
var errDeclined = errors.New("card declined")

// gateway is a payment provider's HTTP API, with how long a charge may take
// there.
type gateway struct {
	url     string
	client  *http.Client
	timeout time.Duration
}

// charge asks the gateway to charge a customer and classifies the answer:
// a declined card is a business outcome, not a failure; a refused
// connection or a timeout is left to errctx's defaults table.
func (g gateway) charge(ctx context.Context, customer int, cents int64) error {
	body := fmt.Sprintf(`{"customer":%d,"cents":%d}`, customer, cents)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url+"/v1/charges", strings.NewReader(body))
	if err != nil {
		return errctx.Wrap(err, "building the charge request", errctx.WithClass(errctx.Permanent))
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return errctx.Wrap(err, "POST /v1/charges", errctx.Remedy("check the gateway status page"))
	}
	defer resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == http.StatusPaymentRequired:
		return errctx.Wrap(errDeclined, "POST /v1/charges",
			errctx.WithClass(errctx.NotAFailure),
			errctx.Remedy("ask the customer for another card"))
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return errctx.New("POST /v1/charges: "+resp.Status,
			errctx.WithClass(errctx.Transient), errctx.RetryAfter(time.Duration(wait)*time.Second))
	case code >= 500:
		return errctx.New("POST /v1/charges: "+resp.Status, errctx.WithClass(errctx.Indeterminate))
	case code >= 300:
		return errctx.New("POST /v1/charges: "+resp.Status, errctx.WithClass(errctx.Permanent))
	}
	return nil
}

// chargeOrder is the business function: it says which order it was charging.
func chargeOrder(ctx context.Context, g gateway, order string, customer int, cents int64) error {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	err := g.charge(ctx, customer, cents)
	return errctx.Wrap(err, "charging order "+order,
		errctx.Fields("customer", customer, "cents", cents))
}

// This example charges three orders against real loopback servers: one
// declines the card, one refuses the connection, one does not answer in time.
// Each failure says what was attempted and how to remedy it, and its class
// tells a breaker and a retry what to do.
func Example_charge() {
	declining := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "declined", http.StatusPaymentRequired)
	}))
	defer declining.Close()

	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refusing := "http://" + closed.Addr().String()
	closed.Close()

	stuck := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-stuck
	}))
	defer hanging.Close()
	defer close(stuck)

	// The gateways that answer get a timeout no loaded machine misses; the
	// one that hangs, a short one, so that the example ends soon.
	for _, tc := range []struct {
		order, url string
		timeout    time.Duration
	}{
		{"A-1", declining.URL, 10 * time.Second},
		{"A-2", refusing, 10 * time.Second},
		{"A-3", hanging.URL, 100 * time.Millisecond},
	} {
		g := gateway{url: tc.url, client: http.DefaultClient, timeout: tc.timeout}
		err := chargeOrder(context.Background(), g, tc.order, 42, 1999)
		class := errctx.ClassOf(err)
		fmt.Println(errctx.AttemptedOf(err), "->", class)
		fmt.Println("  remedies:", errctx.RemediesOf(err))
		fmt.Printf("  breaker failure: %t, retry: %t, retry if idempotent: %t\n",
			class.IsFailure(), class.Retryable(false), class.Retryable(true))
	}
	// Output:
	// [charging order A-1 POST /v1/charges] -> not_a_failure
	//   remedies: [ask the customer for another card]
	//   breaker failure: false, retry: false, retry if idempotent: false
	// [charging order A-2 POST /v1/charges] -> transient
	//   remedies: [check the gateway status page]
	//   breaker failure: true, retry: true, retry if idempotent: true
	// [charging order A-3 POST /v1/charges] -> indeterminate
	//   remedies: [check the gateway status page]
	//   breaker failure: true, retry: false, retry if idempotent: true
}
