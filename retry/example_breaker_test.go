package retry_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/retry"
)

// Retry around a circuit breaker waits for it. The breaker's rejection is a
// Transient error carrying the time left until it lets a probe through as its
// Retry-After, so the retry sleeps until then instead of hammering a
// dependency that is known to be down.
func Example_breaker() {
	client := &payments{refuse: 1, charges: map[string]string{}}
	b, err := breaker.New(breaker.Config{
		Name:                "payments",
		ConsecutiveFailures: 1, // trip on the first failure, for the example
		OpenDuration:        50 * time.Millisecond,
		Logger:              slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	policy := retry.Policy{Name: "billing.charge", Attempts: 5, Base: time.Millisecond, Logger: quiet}

	id, err := retry.DoValue(context.Background(), policy, func(ctx context.Context) (string, error) {
		return breaker.Do(ctx, b, func(ctx context.Context) (string, error) {
			return client.Charge(ctx, "INV-1001", 4200)
		})
	})

	fmt.Println(id, err)
	fmt.Println("payments saw", client.calls, "calls; breaker", b.State())
	// Output:
	// ch_1 <nil>
	// payments saw 2 calls; breaker closed
}
