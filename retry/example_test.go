package retry_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/retry"
)

// payments is a stand-in for a payment provider's client. Charges are
// deduplicated by idempotency key, as real providers do.
type payments struct {
	refuse  int               // connections to refuse before answering
	timeout int               // charges to make but time out on before answering
	charges map[string]string // idempotency key -> charge ID
	calls   int
}

func (p *payments) Charge(ctx context.Context, invoice string, cents int) (string, error) {
	p.calls++
	if p.refuse > 0 {
		p.refuse--
		return "", errctx.New("connecting to payments",
			errctx.WithClass(errctx.Transient),
			errctx.Remedy("check that the payments API is reachable"))
	}
	key, ok := retry.IdempotencyKey(ctx)
	if !ok {
		key = fmt.Sprint(p.calls) // no key: every request is a new charge
	}
	id, seen := p.charges[key]
	if !seen {
		id = fmt.Sprintf("ch_%d", len(p.charges)+1)
		p.charges[key] = id
	}
	if p.timeout > 0 {
		p.timeout--
		return "", errctx.New(fmt.Sprintf("charging %s %d cents", invoice, cents),
			errctx.WithClass(errctx.Indeterminate),
			errctx.Remedy("look the charge up before charging again"))
	}
	return id, nil
}

// quiet keeps the examples' retry warnings out of their output; a service
// would leave Logger nil and get slog.Default().
var quiet = slog.New(slog.DiscardHandler)

// A billing job charges an invoice; the first connection is refused, and the
// retry goes through.
func Example() {
	client := &payments{refuse: 1, charges: map[string]string{}}
	policy := retry.Policy{Name: "billing.charge", Base: 10 * time.Millisecond, Logger: quiet}

	err := retry.Do(context.Background(), policy, func(ctx context.Context) error {
		id, err := client.Charge(ctx, "INV-1001", 4200)
		if err == nil {
			fmt.Println("charged", id)
		}
		return err
	})

	fmt.Println("error:", err, "- calls:", client.calls)
	// Output:
	// charged ch_1
	// error: <nil> - calls: 2
}

// Each retry is a warning through slog with the caller's context, so a vitals
// log handler adds the request ID. Here a plain text handler leaves out the
// time, the random wait and where the error was made, so the output is
// stable.
func Example_logging() {
	client := &payments{refuse: 1, charges: map[string]string{}}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "wait" || a.Key == "where" {
				return slog.Attr{}
			}
			return a
		},
	}))
	policy := retry.Policy{Name: "billing.charge", Base: 10 * time.Millisecond, Logger: logger}

	_ = retry.Do(context.Background(), policy, func(ctx context.Context) error {
		_, err := client.Charge(ctx, "INV-1001", 4200)
		return err
	})
	// Output:
	// level=WARN msg="retrying after a failure" retry=billing.charge attempted="connecting to payments" attempt=1 attempts=3 class=transient error.message="connecting to payments" error.attempted="[connecting to payments]" error.remedy="[check that the payments API is reachable]" error.class=transient remedy="check that the payments API is reachable"
}

// A charge that timed out may have gone through. Without an idempotency key
// retry does not repeat it, so the customer is not charged twice.
func Example_notIdempotent() {
	client := &payments{timeout: 1, charges: map[string]string{}}
	policy := retry.Policy{Name: "billing.charge", Base: 10 * time.Millisecond, Logger: quiet}

	_, err := retry.DoValue(context.Background(), policy, func(ctx context.Context) (string, error) {
		return client.Charge(ctx, "INV-1001", 4200)
	})

	fmt.Println(err)
	fmt.Println("class:", errctx.ClassOf(err), "- charges made:", len(client.charges))
	// Output:
	// charging INV-1001 4200 cents
	// class: indeterminate - charges made: 1
}

// With an idempotency key the provider deduplicates, so a charge that timed
// out is safe to repeat: the retry returns the charge already made.
func ExampleDoValue() {
	client := &payments{timeout: 1, charges: map[string]string{}}
	policy := retry.Policy{
		Name:           "billing.charge",
		Base:           10 * time.Millisecond,
		IdempotencyKey: "invoice-INV-1001", // one key per logical charge
		Logger:         quiet,
	}

	id, err := retry.DoValue(context.Background(), policy, func(ctx context.Context) (string, error) {
		return client.Charge(ctx, "INV-1001", 4200)
	})

	fmt.Println(id, err, "- calls:", client.calls, "- charges made:", len(client.charges))
	// Output:
	// ch_1 <nil> - calls: 2 - charges made: 1
}

// A policy is checked before anything runs; a bad one names its field.
func ExamplePolicy_Validate() {
	policy := retry.Policy{Name: "billing.charge", Attempts: -1}

	fmt.Println(policy.Validate())
	// Output:
	// checking retry policy "billing.charge": field Attempts is -1
}
