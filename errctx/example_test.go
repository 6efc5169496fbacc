package errctx_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

func ExampleWrap() {
	refused := errors.New("connection refused")
	err := errctx.Wrap(refused, "POST payments/charge")
	err = errctx.Wrap(err, "charging customer 42",
		errctx.Remedy("check the gateway status page"),
		errctx.Fields("order", "A-1", "cents", 1999))

	fmt.Println(err)
	fmt.Println(errors.Is(err, refused))
	fmt.Println(errctx.Wrap(nil, "charging customer 42") == nil)
	// Output:
	// charging customer 42: POST payments/charge: connection refused
	// true
	// true
}

func ExampleNew() {
	err := errctx.New("validating amount -5",
		errctx.WithClass(errctx.Permanent),
		errctx.Remedy("send an amount in cents, greater than zero"))
	fmt.Println(err, "-", errctx.ClassOf(err))
	// Output: validating amount -5 - permanent
}

func ExampleSecret() {
	err := errctx.New("authenticating to the gateway",
		errctx.Fields("user", "billing"),
		errctx.Secret("api_key", "sk_live_abc123"))
	fmt.Println(errctx.FieldsOf(err))
	// Output: [user=billing api_key=[REDACTED]]
}

func ExampleClassOf() {
	for _, err := range []error{
		context.Canceled,
		errctx.Wrap(context.DeadlineExceeded, "POST /v1/charges"),
		errctx.Wrap(context.DeadlineExceeded, "GET /v1/charges/7", errctx.WithClass(errctx.Transient)),
		errors.New("something unexpected"),
		nil,
	} {
		fmt.Println(errctx.ClassOf(err))
	}
	// Output:
	// not_a_failure
	// indeterminate
	// transient
	// unknown
	// not_a_failure
}

func ExampleRetryAfterOf() {
	err := errctx.New("POST /v1/charges: 429 Too Many Requests",
		errctx.WithClass(errctx.Transient), errctx.RetryAfter(30*time.Second))
	d, ok := errctx.RetryAfterOf(errctx.Wrap(err, "charging order A-1"))
	fmt.Println(d, ok)
	// Output: 30s true
}

func ExampleError_LogValue() {
	err := errctx.Wrap(errors.New("connection refused"), "POST payments/charge",
		errctx.Remedy("check the gateway status page"))
	err = errctx.Wrap(err, "charging customer 42",
		errctx.Fields("order", "A-1"), errctx.Secret("card", "4111 1111 1111 1111"))

	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == errctx.KeyWhere {
				return slog.Attr{} // vary from run to run, or with this file
			}
			return a
		},
	}))
	logger.Error("charge failed", "error", err)
	// Output:
	// {"level":"ERROR","msg":"charge failed","error":{"message":"charging customer 42: POST payments/charge: connection refused","attempted":["charging customer 42","POST payments/charge"],"remedy":["check the gateway status page"],"class":"unknown","fields":{"order":"A-1","card":"[REDACTED]"}}}
}
