package bench_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	crdb "github.com/cockroachdb/errors"
	pkgerrors "github.com/pkg/errors"
	"github.com/samber/oops"

	"github.com/vitals-go/vitals/errctx"
)

var (
	errRefused = errors.New("connection refused")
	errSink    error
)

// BenchmarkErrorWrap wraps one cause with what was being attempted.
// errctx and pkg/errors.WithMessage record no stack; errctx records its call
// site. pkg/errors.Wrap, cockroachdb/errors and oops capture a stack.
func BenchmarkErrorWrap(b *testing.B) {
	b.Run("errctx", func(b *testing.B) {
		for b.Loop() {
			errSink = errctx.Wrap(errRefused, "charging customer")
		}
	})
	b.Run("fmt.Errorf", func(b *testing.B) {
		for b.Loop() {
			errSink = fmt.Errorf("%s: %w", "charging customer", errRefused)
		}
	})
	b.Run("pkg-errors.WithMessage", func(b *testing.B) {
		for b.Loop() {
			errSink = pkgerrors.WithMessage(errRefused, "charging customer")
		}
	})
	b.Run("pkg-errors.Wrap", func(b *testing.B) {
		for b.Loop() {
			errSink = pkgerrors.Wrap(errRefused, "charging customer")
		}
	})
	b.Run("cockroachdb", func(b *testing.B) {
		for b.Loop() {
			errSink = crdb.Wrap(errRefused, "charging customer")
		}
	})
	b.Run("oops", func(b *testing.B) {
		for b.Loop() {
			errSink = oops.Wrapf(errRefused, "charging customer")
		}
	})
}

// BenchmarkErrorWrapContext wraps with a remedy and two fields, each library
// in its own idiom (fmt and pkg/errors put the fields in the message).
func BenchmarkErrorWrapContext(b *testing.B) {
	order := "A-1"
	b.Run("errctx", func(b *testing.B) {
		for b.Loop() {
			errSink = errctx.Wrap(errRefused, "charging customer",
				errctx.Remedy("check the gateway status page"),
				errctx.Fields("order", order, "cents", 1999))
		}
	})
	b.Run("fmt.Errorf", func(b *testing.B) {
		for b.Loop() {
			errSink = fmt.Errorf("charging customer (order=%s cents=%d; check the gateway status page): %w",
				order, 1999, errRefused)
		}
	})
	b.Run("pkg-errors.Wrapf", func(b *testing.B) {
		for b.Loop() {
			errSink = pkgerrors.Wrapf(errRefused, "charging customer (order=%s cents=%d)", order, 1999)
		}
	})
	b.Run("cockroachdb", func(b *testing.B) {
		for b.Loop() {
			errSink = crdb.WithHint(crdb.Wrapf(errRefused, "charging customer (order=%s cents=%d)", order, 1999),
				"check the gateway status page")
		}
	})
	b.Run("oops", func(b *testing.B) {
		for b.Loop() {
			errSink = oops.With("order", order, "cents", 1999).
				Hint("check the gateway status page").
				Wrapf(errRefused, "charging customer")
		}
	})
}

// BenchmarkErrorLog logs a two-layer error with slog's JSON handler, which
// is where the context pays off: errctx and oops render a structured group,
// the others a string (cockroachdb's and pkg/errors' %+v details are not
// reached by slog).
func BenchmarkErrorLog(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"errctx", errctx.Wrap(errctx.Wrap(errRefused, "POST payments/charge"), "charging customer",
			errctx.Remedy("check the gateway status page"), errctx.Fields("order", "A-1", "cents", 1999))},
		{"fmt.Errorf", fmt.Errorf("charging customer (order=A-1 cents=1999): %w",
			fmt.Errorf("POST payments/charge: %w", errRefused))},
		{"pkg-errors", pkgerrors.Wrap(pkgerrors.Wrap(errRefused, "POST payments/charge"), "charging customer (order=A-1 cents=1999)")},
		{"cockroachdb", crdb.WithHint(crdb.Wrap(crdb.Wrap(errRefused, "POST payments/charge"), "charging customer (order=A-1 cents=1999)"),
			"check the gateway status page")},
		{"oops", oops.With("order", "A-1", "cents", 1999).Hint("check the gateway status page").
			Wrapf(oops.Wrapf(errRefused, "POST payments/charge"), "charging customer")},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				logger.Error("charge failed", "error", tc.err)
			}
		})
	}
}
