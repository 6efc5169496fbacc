package errctx

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errRefused = errors.New("connection refused")

func TestMessageChain(t *testing.T) {
	err := Wrap(Wrap(errRefused, "POST payments/charge"), "charging customer 42")
	assert.EqualError(t, err, "charging customer 42: POST payments/charge: connection refused")
	assert.EqualError(t, New("validating amount"), "validating amount")
	assert.EqualError(t, fmt.Errorf("job 7: %w", err), "job 7: charging customer 42: POST payments/charge: connection refused")
	assert.EqualError(t, Wrap(fmt.Errorf("lookup: %w", New("reading row")), "charging"), "charging: lookup: reading row")
}

func TestWrapNil(t *testing.T) {
	assert.NoError(t, Wrap(nil, "charging", Remedy("x"), WithClass(Permanent)))
	assert.Nil(t, Wrap(nil, "charging"))
}

func TestEmptyAttempted(t *testing.T) {
	assert.EqualError(t, Wrap(errRefused, ""), "connection refused")
	assert.EqualError(t, Wrap(Wrap(errRefused, ""), "charging"), "charging: connection refused")
	assert.EqualError(t, New(""), "unspecified failure")
	assert.EqualError(t, Wrap(New(""), ""), "unspecified failure")
	assert.Empty(t, AttemptedOf(Wrap(errRefused, "")))
}

type nilPointerErr struct{ msg string }

func (e *nilPointerErr) Error() string { return e.msg }

func TestCauseWhoseErrorPanics(t *testing.T) {
	var cause *nilPointerErr // a typed nil: its Error method dereferences nil
	err := Wrap(cause, "charging")
	assert.Equal(t, "charging: <error message panicked>", err.Error())
	assert.NotPanics(t, func() { _ = fmt.Sprintf("%+v", err) })
}

func TestStandardSemantics(t *testing.T) {
	err := Wrap(fmt.Errorf("POST: %w", fs.ErrNotExist), "charging", Remedy("retry"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, fmt.Errorf("POST: %w", fs.ErrNotExist).Error(), errors.Unwrap(err).Error())

	var e *Error
	require.ErrorAs(t, fmt.Errorf("job: %w", err), &e)
	assert.Equal(t, "charging", e.Attempted())

	// No message-based equality: two errors with the same text differ.
	assert.NotErrorIs(t, New("charging"), New("charging"))
	same := New("charging")
	assert.ErrorIs(t, Wrap(same, "outer"), same)

	joined := errors.Join(Wrap(context.Canceled, "a"), Wrap(fs.ErrPermission, "b"))
	assert.ErrorIs(t, joined, context.Canceled)
	assert.ErrorIs(t, Wrap(joined, "batch"), fs.ErrPermission)
	assert.Nil(t, New("x").(*Error).Unwrap())
}

func TestAccessors(t *testing.T) {
	inner := Wrap(errRefused, "POST payments/charge",
		Remedy("check the gateway status page"),
		Fields("endpoint", "payments/charge", "customer", 7),
		RetryAfter(3*time.Second))
	err := Wrap(fmt.Errorf("attempt 2: %w", inner), "charging customer 42",
		Remedy("ask the customer for another card"),
		Fields("customer", 42, slog.Int64("cents", 1999)),
		Secret("card", "4111 1111 1111 1111"))

	assert.Equal(t, []string{"charging customer 42", "POST payments/charge"}, AttemptedOf(err))
	assert.Equal(t, []string{"ask the customer for another card", "check the gateway status page"}, RemediesOf(err))
	assert.Equal(t, []slog.Attr{
		slog.Int("customer", 42), // the outer layer wins
		slog.Int64("cents", 1999),
		slog.String("card", Masked),
		slog.String("endpoint", "payments/charge"),
	}, FieldsOf(err))
	d, ok := RetryAfterOf(err)
	assert.True(t, ok)
	assert.Equal(t, 3*time.Second, d)

	_, ok = RetryAfterOf(errRefused)
	assert.False(t, ok)
	assert.Nil(t, AttemptedOf(nil))
	assert.Nil(t, RemediesOf(errRefused))
	assert.Nil(t, FieldsOf(nil))
}

func TestAccessorsThroughJoin(t *testing.T) {
	a := New("charging card A", Remedy("ra"), Fields("card", "A"), RetryAfter(time.Second))
	b := New("charging card B", Remedy("rb"), Fields("card", "B", "n", 2), RetryAfter(5*time.Second))
	err := Wrap(errors.Join(a, nil, b), "charging basket", Fields("basket", 9))
	assert.Equal(t, []string{"charging basket", "charging card A", "charging card B"}, AttemptedOf(err))
	assert.Equal(t, []string{"ra", "rb"}, RemediesOf(err))
	assert.Equal(t, []slog.Attr{slog.Int("basket", 9), slog.String("card", "A"), slog.Int("n", 2)}, FieldsOf(err))
	d, ok := RetryAfterOf(err)
	assert.True(t, ok)
	assert.Equal(t, 5*time.Second, d, "the longest wait of the branches")

	d, ok = RetryAfterOf(Wrap(errors.Join(a, b), "outer", RetryAfter(0)))
	assert.True(t, ok)
	assert.Zero(t, d, "the outermost layer with a Retry-After wins")
}

func TestOptions(t *testing.T) {
	t.Run("several remedies on one layer", func(t *testing.T) {
		err := New("x", Remedy("first"), Remedy(""), Remedy("second"))
		assert.Equal(t, []string{"first; second"}, RemediesOf(err))
	})
	t.Run("several field options merge", func(t *testing.T) {
		err := New("x", Fields("a", 1), Secret("token", "s3cr3t"), Fields("b", 2))
		assert.Equal(t, []slog.Attr{slog.Int("a", 1), slog.String("token", Masked), slog.Int("b", 2)}, FieldsOf(err))
	})
	t.Run("odd and malformed pairs follow slog", func(t *testing.T) {
		err := New("x", Fields("a", 1, "dangling"), Fields(3, slog.Bool("c", true)), Fields(nil))
		assert.Equal(t, []slog.Attr{
			slog.Int("a", 1), slog.String("!BADKEY", "dangling"),
			slog.Int("!BADKEY", 3), slog.Bool("c", true),
			slog.Any("!BADKEY", nil),
		}, err.(*Error).attrs)
		assert.Equal(t, []slog.Attr{slog.Int("a", 1), slog.String("!BADKEY", "dangling"), slog.Bool("c", true)},
			FieldsOf(err), "one field per key")
		assert.Nil(t, FieldsOf(New("x", Fields())))
	})
	t.Run("the zero option and nil options do nothing", func(t *testing.T) {
		var none []Option
		err := Wrap(errRefused, "x", Option{}, Option{})
		assert.EqualError(t, err, "x: connection refused")
		assert.EqualError(t, Wrap(errRefused, "x", none...), "x: connection refused")
		assert.Nil(t, FieldsOf(err))
		assert.Nil(t, RemediesOf(err))
		assert.Equal(t, Unknown, ClassOf(err))
		_, ok := RetryAfterOf(err)
		assert.False(t, ok)
	})
	t.Run("negative retry-after is zero", func(t *testing.T) {
		d, ok := RetryAfterOf(New("x", RetryAfter(-time.Second)))
		assert.True(t, ok)
		assert.Zero(t, d)
	})
	t.Run("errors are immutable", func(t *testing.T) {
		args := []any{"customer", 42}
		opt := Fields(args...)
		first := New("x", opt)
		args[1] = 43
		second := New("y", opt, Fields("z", 1))
		assert.Equal(t, []slog.Attr{slog.Int("customer", 42)}, FieldsOf(first))
		assert.Equal(t, []slog.Attr{slog.Int("customer", 42), slog.Int("z", 1)}, FieldsOf(second))
		assert.Equal(t, []slog.Attr{slog.Int("customer", 42)}, FieldsOf(first))
	})
}

// here returns "errctx/error_test.go:N" for the line that calls it.
func here() string {
	_, file, line, _ := runtime.Caller(1)
	return shortFile(file) + ":" + strconv.Itoa(line)
}

// inlinedWrap is small enough for the compiler to inline into its callers.
func inlinedWrap() error {
	return Wrap(errRefused, "x") // the line after the declaration
}

func TestWhere(t *testing.T) {
	err, line := Wrap(errRefused, "x"), here()
	assert.Equal(t, line, err.(*Error).Where())
	func() {
		err, line := New("y"), here()
		assert.Equal(t, line, err.(*Error).Where(), "from a closure")
	}()
	assert.Nil(t, err.(*Error).stack, "no stack unless asked")

	// Called from a function the compiler inlines, Wrap reports that
	// function's line and name.
	entry := reflect.ValueOf(inlinedWrap).Pointer()
	file, decl := runtime.FuncForPC(entry).FileLine(entry)
	err = inlinedWrap()
	assert.Equal(t, shortFile(file)+":"+strconv.Itoa(decl+1), err.(*Error).Where())
	assert.Contains(t, fmt.Sprintf("%+v", err), "at errctx.inlinedWrap (")

	withStack, line := New("z", WithStack()).(*Error), here()
	require.NotEmpty(t, withStack.stack)
	assert.Equal(t, line, withStack.Where())
	assert.Contains(t, fmt.Sprintf("%+v", withStack), "errctx.TestWhere")
}

func TestDeepChain(t *testing.T) {
	const depth = 10_000
	err := Wrap(context.DeadlineExceeded, "step 0", WithClass(Transient), Fields("k", 0), Remedy("r0"))
	for i := 1; i < depth; i++ {
		err = Wrap(err, fmt.Sprintf("step %d", i))
	}
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "step 9999: step 9998: "), msg[:40])
	assert.True(t, strings.HasSuffix(msg, "step 1: step 0: context deadline exceeded"))
	assert.Contains(t, msg, ": ... 9936 more steps ...: ")
	assert.Less(t, len(msg), 1000)

	assert.Len(t, AttemptedOf(err), depth)
	assert.Equal(t, []string{"r0"}, RemediesOf(err))
	assert.Equal(t, []slog.Attr{slog.Int("k", 0)}, FieldsOf(err))
	assert.Equal(t, Transient, ClassOf(err))

	detail := fmt.Sprintf("%+v", err)
	assert.Contains(t, detail, "--- ... 9873 more errors ...")
	assert.Less(t, strings.Count(detail, "\n"), 400)

	// Interleaved with foreign wrappers, and deeper than any walk goes.
	var mixed error = errRefused
	for i := range 3 * maxWalk {
		if i%2 == 0 {
			mixed = &loop{next: mixed}
		} else {
			mixed = Wrap(mixed, "w")
		}
	}
	assert.Len(t, AttemptedOf(mixed), maxWalk/2)
	assert.Equal(t, Unknown, ClassOf(mixed))
	assert.Contains(t, fmt.Sprintf("%+v", mixed), "more errors ...")
}

// TestMessageAtAnyDepth: a run of nested layers deeper than any walk goes
// still reads as its 32 outermost and 32 innermost steps with one note.
func TestMessageAtAnyDepth(t *testing.T) {
	for _, depth := range []int{65, maxWalk, maxWalk + 1, 40_000} {
		var err error = errRefused
		for i := range depth {
			err = Wrap(err, fmt.Sprintf("step %d", i))
		}
		msg := err.Error()
		parts := strings.Split(msg, ": ")
		require.Len(t, parts, maxMessageLayers+2, "depth %d", depth)
		assert.Equal(t, 1, strings.Count(msg, "more steps"), "depth %d", depth)
		assert.Equal(t, fmt.Sprintf("step %d", depth-1), parts[0])
		assert.Equal(t, fmt.Sprintf("... %d more steps ...", depth-maxMessageLayers), parts[maxMessageLayers/2])
		assert.Equal(t, "step 0", parts[len(parts)-2])
		assert.Equal(t, "connection refused", parts[len(parts)-1])
	}
}

// loop is a custom error whose Unwrap can lead back to itself.
type loop struct{ next error }

func (l *loop) Error() string { return "loop" }
func (l *loop) Unwrap() error { return l.next }

// valueLoop is a non-pointer error in a cycle: it is never compared, so only
// the walk bound ends the cycle.
type valueLoop struct{ next *error }

func (v valueLoop) Error() string { return "value loop" }
func (v valueLoop) Unwrap() error { return *v.next }

func TestCycles(t *testing.T) {
	l := &loop{}
	err := Wrap(l, "charging", Remedy("r"), WithClass(Transient))
	l.next = Wrap(err, "inner")

	assert.Equal(t, "charging: loop", err.Error())
	assert.Equal(t, []string{"charging", "inner"}, AttemptedOf(err))
	assert.Equal(t, []string{"r"}, RemediesOf(err))
	assert.Equal(t, Transient, ClassOf(err))
	assert.Equal(t, Transient, ClassOf(l))
	_, ok := RetryAfterOf(err)
	assert.False(t, ok)
	detail := fmt.Sprintf("%+v", err)
	assert.Contains(t, detail, "--- (cycle: *errctx.Error again)")
	assert.Contains(t, fmt.Sprintf("%+v", Wrap(errors.Join(err, l), "batch")), "(cycle:")

	// A cycle of a value type ends at the walk bound.
	var cyc error
	cyc = valueLoop{next: &cyc}
	head := Wrap(cyc, "spin")
	assert.Equal(t, []string{"spin"}, AttemptedOf(head))
	assert.Equal(t, Unknown, ClassOf(head))
	assert.Contains(t, fmt.Sprintf("%+v", head), "(stopped after 16384 errors)")
	assert.NotPanics(t, func() { _ = head.(*Error).LogValue().Resolve() })
}

func TestSharedDeepBranches(t *testing.T) {
	// The same 40-layer chain twice in a join is not a cycle, also after the
	// guard's path outgrows its inline array and shrinks back.
	var chain error = context.DeadlineExceeded
	for i := range 40 {
		chain = Wrap(chain, strconv.Itoa(i))
	}
	err := Wrap(errors.Join(chain, chain), "batch")
	assert.Len(t, AttemptedOf(err), 81)
	assert.Equal(t, Indeterminate, ClassOf(err))
	assert.NotContains(t, fmt.Sprintf("%+v", err), "cycle")
}
