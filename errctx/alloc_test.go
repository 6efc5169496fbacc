package errctx_test

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/errctx"
)

var (
	allocCause = errors.New("connection refused")
	allocSink  error
)

// TestWrapAllocationsWithVariables measures, from outside the package, what
// the Cost section of the package documentation promises, with the values a
// caller really passes: variables, not constants.
func TestWrapAllocationsWithVariables(t *testing.T) {
	order, cents, remedy := allocOrder, allocCents, allocRemedy
	for _, tc := range []struct {
		name string
		want float64
		fn   func()
	}{
		{"Wrap", 1, func() { allocSink = errctx.Wrap(allocCause, order) }},
		{"Wrap, remedy, two fields as Attrs", 2, func() {
			allocSink = errctx.Wrap(allocCause, order, errctx.Remedy(remedy),
				errctx.Attrs(slog.String("order", order), slog.Int64("cents", cents)))
		}},
		{"Wrap, remedy, two fields as key-value pairs: one more per boxed value", 4, func() {
			allocSink = errctx.Wrap(allocCause, order, errctx.Remedy(remedy), errctx.Fields("order", order, "cents", cents))
		}},
		{"Wrap, remedy, two fields as slog.Attr given to Fields: one more per Attr", 4, func() {
			allocSink = errctx.Wrap(allocCause, order, errctx.Remedy(remedy),
				errctx.Fields(slog.String("order", order), slog.Int64("cents", cents)))
		}},
		{"a Secret is one field", 2, func() {
			allocSink = errctx.Wrap(allocCause, order, errctx.Secret("card", order))
		}},
		{"a Secret after Attrs: one more to merge them", 4, func() {
			allocSink = errctx.Wrap(allocCause, order, errctx.Attrs(slog.String("order", order)), errctx.Secret("card", order))
		}},
		{"WithStack: one more", 2, func() { allocSink = errctx.Wrap(allocCause, order, errctx.WithStack()) }},
		{"class and Retry-After", 1, func() {
			allocSink = errctx.Wrap(allocCause, order, errctx.WithClass(errctx.Transient), errctx.RetryAfter(allocDelay))
		}},
	} {
		assert.Equal(t, tc.want, testing.AllocsPerRun(200, tc.fn), tc.name)
	}
}

// Variables the compiler cannot treat as constants.
var (
	allocOrder  = "A-1"
	allocCents  = int64(199_900)
	allocRemedy = "check the gateway"
	allocDelay  = 3 * time.Second
)

// TestFieldsKeepValuesAsGiven backs the documentation of Fields and Attrs:
// the argument list is copied, the values are kept as given.
func TestFieldsKeepValuesAsGiven(t *testing.T) {
	args := []any{"order", "A-1"}
	attrs := []slog.Attr{slog.String("ref", "R-1")}
	items := []string{"book"}
	err := errctx.Wrap(allocCause, "charging", errctx.Fields(args...), errctx.Attrs(attrs...),
		errctx.Fields("items", items))
	args[1], attrs[0] = "B-2", slog.String("ref", "R-2")
	items[0] = "pen"

	fields := errctx.FieldsOf(err)
	assert.Equal(t, "A-1", fields[0].Value.String(), "reusing the argument list does not change the error")
	assert.Equal(t, "R-1", fields[1].Value.String(), "nor does reusing the Attrs list")
	assert.Equal(t, []string{"pen"}, fields[2].Value.Any(), "a slice given as a value is shared")
	assert.Len(t, fields, 3)
	assert.Equal(t, errctx.Option{}, errctx.Attrs(), "no attrs, no option")
}
