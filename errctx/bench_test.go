package errctx

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
)

var (
	benchCause = errors.New("connection refused")
	benchSink  error
)

// BenchmarkWrap is the common case: one layer naming what was attempted.
func BenchmarkWrap(b *testing.B) {
	for b.Loop() {
		benchSink = Wrap(benchCause, "charging customer")
	}
}

// BenchmarkFmtErrorf is the standard library's equivalent, in the same run.
func BenchmarkFmtErrorf(b *testing.B) {
	for b.Loop() {
		benchSink = fmt.Errorf("%s: %w", "charging customer", benchCause)
	}
}

func BenchmarkWrapRemedyFields(b *testing.B) {
	order := "A-1"
	for b.Loop() {
		benchSink = Wrap(benchCause, "charging customer",
			Remedy("check the gateway status page"),
			Fields("order", order, "cents", 1999))
	}
}

// BenchmarkWrapRemedyAttrs is the same with variables given as Attrs.
func BenchmarkWrapRemedyAttrs(b *testing.B) {
	order, cents := "A-1", int64(1999)
	for b.Loop() {
		benchSink = Wrap(benchCause, "charging customer",
			Remedy("check the gateway status page"),
			Attrs(slog.String("order", order), slog.Int64("cents", cents)))
	}
}

func BenchmarkWrapAllOptions(b *testing.B) {
	for b.Loop() {
		benchSink = Wrap(benchCause, "charging customer",
			Remedy("check the gateway status page"),
			Fields("order", "A-1", "cents", 1999),
			Secret("card", "4111"),
			WithClass(Transient), RetryAfter(1e9))
	}
}

func BenchmarkWrapWithStack(b *testing.B) {
	for b.Loop() {
		benchSink = Wrap(benchCause, "charging customer", WithStack())
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		benchSink = New("validating amount")
	}
}

// benchChain is three layers over a cause, as a service returns it.
func benchChain() error {
	err := Wrap(benchCause, "POST payments/charge", Fields("endpoint", "charge"))
	err = fmt.Errorf("attempt 2: %w", err)
	return Wrap(err, "charging customer 42", Remedy("check the gateway status page"), Fields("cents", 1999))
}

func BenchmarkError(b *testing.B) {
	err := benchChain()
	for b.Loop() {
		_ = err.Error()
	}
}

func BenchmarkClassOf(b *testing.B) {
	err := benchChain()
	for b.Loop() {
		_ = ClassOf(err)
	}
}

func BenchmarkAccessors(b *testing.B) {
	err := benchChain()
	for b.Loop() {
		_ = AttemptedOf(err)
		_ = RemediesOf(err)
		_ = FieldsOf(err)
	}
}

func BenchmarkFormatDetail(b *testing.B) {
	err := benchChain()
	for b.Loop() {
		_ = fmt.Sprintf("%+v", err)
	}
}

func BenchmarkLogJSON(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	err := benchChain()
	for b.Loop() {
		logger.Error("charge failed", "error", err)
	}
}

// TestAllocations holds the allocation budget the benchmarks measure.
func TestAllocations(t *testing.T) {
	order := "A-1"
	for _, tc := range []struct {
		name string
		max  float64
		fn   func()
	}{
		{"Wrap", 1, func() { benchSink = Wrap(benchCause, "charging customer") }},
		{"New", 1, func() { benchSink = New("validating amount") }},
		{"Wrap with remedy and two fields", 2, func() {
			benchSink = Wrap(benchCause, "charging customer", Remedy("check"), Fields("order", order, "cents", 1999))
		}},
		{"ClassOf", 0, func() { _ = ClassOf(benchSink) }},
	} {
		if got := testing.AllocsPerRun(100, tc.fn); got > tc.max {
			t.Errorf("%s: %v allocations, want at most %v", tc.name, got, tc.max)
		}
	}
}
