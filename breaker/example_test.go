package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/errctx"
)

// The smallest complete use: calls go through Do; after 5 consecutive
// failures the breaker opens and rejects calls at once, with an error that
// says when they resume.
func Example() {
	b, err := breaker.New(breaker.Config{Name: "inventory"})
	if err != nil {
		panic(err)
	}
	lookup := func(ctx context.Context) (int, error) { return 0, errors.New("connection refused") }
	for range 5 {
		_, _ = breaker.Do(context.Background(), b, lookup)
	}
	_, err = breaker.Do(context.Background(), b, lookup)
	fmt.Println(errors.Is(err, breaker.ErrOpen))
	fmt.Println(err)
	fmt.Println(errctx.ClassOf(err))
	after, _ := errctx.RetryAfterOf(err)
	fmt.Println(after > 29*time.Second)
	// Output:
	// true
	// calling inventory: circuit breaker is open
	// transient
	// true
}

// Wrapping an HTTP call: transport errors and 5xx responses count as
// failures, everything else (a 404 included) as a success. While the breaker
// is open the request is not sent at all.
func Example_httpCall() {
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer flaky.Close()

	b, err := breaker.New(breaker.Config{Name: "rates-api", ConsecutiveFailures: 3, OpenDuration: time.Minute})
	if err != nil {
		panic(err)
	}
	get := func(ctx context.Context) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, flaky.URL+"/rates/EUR", nil)
		if err != nil {
			return nil, err
		}
		return http.DefaultClient.Do(req)
	}
	serverError := func(resp *http.Response, err error) breaker.Outcome {
		if err != nil || resp.StatusCode >= 500 {
			return breaker.Failure
		}
		return breaker.Success
	}
	for range 4 {
		resp, err := breaker.DoClassified(context.Background(), b, get, serverError)
		switch {
		case errors.Is(err, breaker.ErrOpen):
			fmt.Println("not sent:", err)
		case err != nil:
			fmt.Println("failed:", err)
		default:
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			fmt.Println("status", resp.StatusCode)
		}
	}
	// Output:
	// status 503
	// status 503
	// status 503
	// not sent: calling rates-api: circuit breaker is open
}

// A result-classified call: the payment API reports a declined card in its
// response, which is a business outcome, not a failure of the API; only
// "processor_unavailable" counts.
func ExampleDoClassified() {
	type Charge struct{ Status string }
	b, _ := breaker.New(breaker.Config{Name: "payments", ConsecutiveFailures: 2})
	byStatus := func(c Charge, err error) breaker.Outcome {
		switch {
		case err != nil, c.Status == "processor_unavailable":
			return breaker.Failure
		}
		return breaker.Success // "approved" and "declined" alike
	}
	for _, status := range []string{"declined", "declined", "processor_unavailable", "approved", "processor_unavailable"} {
		_, _ = breaker.DoClassified(context.Background(), b, func(context.Context) (Charge, error) {
			return Charge{Status: status}, nil
		}, byStatus)
	}
	fmt.Println(b.State(), b.Snapshot().Counts.ConsecutiveFailures)
	// Output: closed 1
}

// The two-step form for code that cannot wrap the call in a function, such
// as middleware: Allow before, Done after.
func ExampleBreaker_Allow() {
	b, _ := breaker.New(breaker.Config{Name: "search"})
	ticket, err := b.Allow(context.Background())
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	callErr := error(nil) // the result of the real call
	ticket.Done(callErr)
	fmt.Println(b.State())
	// Output: closed
}

// A listener reacts to transitions off the calling goroutine, for example to
// hide a payment button while the processor is down.
func ExampleBreaker_Subscribe() {
	b, _ := breaker.New(breaker.Config{Name: "payments", ConsecutiveFailures: 1})
	changes := make(chan breaker.Transition, 1)
	unsubscribe := b.Subscribe(func(t breaker.Transition) { changes <- t })
	defer unsubscribe()

	_ = b.Run(context.Background(), func(context.Context) error { return errors.New("processor timeout") })
	t := <-changes
	fmt.Printf("%s: %s -> %s because of %s\n", t.Breaker, t.From, t.To, t.Reason)
	// Output: payments: closed -> open because of 1 failure in a row
}

// ForceOpen stops calls during maintenance until Reset.
func ExampleBreaker_ForceOpen() {
	b, _ := breaker.New(breaker.Config{Name: "ledger"})
	b.ForceOpen("ledger migration, ticket OPS-1234")
	err := b.Run(context.Background(), func(context.Context) error { return nil })
	fmt.Println(errors.Is(err, breaker.ErrOpen))
	fmt.Println(errctx.RemediesOf(err)[0])
	b.Reset()
	fmt.Println(b.State())
	// Output:
	// true
	// ledger was forced open: ledger migration, ticket OPS-1234; calls resume only after Reset()
	// closed
}
