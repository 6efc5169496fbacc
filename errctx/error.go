package errctx

import (
	"github.com/vitals-go/vitals/internal/callsite"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// maxStack bounds the frames WithStack records.
const maxStack = 64

const (
	hasClass uint8 = 1 << iota
	hasRetryAfter
)

// Error is one layer of context around a failure: what was being attempted
// when it happened, how to remedy it, fields, and optionally a class and a
// Retry-After. It is immutable once made. New and Wrap return *Error.
type Error struct {
	attempted  string
	cause      error
	remedy     string
	attrs      []slog.Attr
	stack      []uintptr // only with WithStack
	pc         uintptr   // call site of New or Wrap
	retryAfter time.Duration
	class      Class
	flags      uint8
}

// New returns an error saying what was attempted, for failures detected by
// the caller itself (a validation, a business rule) rather than returned by
// something it called.
//
//go:noinline
func New(attempted string, opts ...Option) error {
	e := &Error{attempted: attempted, pc: callsite.PC()}
	e.apply(opts)
	return e
}

// Wrap returns err with what was being attempted when it happened, plus the
// given options. Wrap(nil, ...) returns nil, so
//
//	return errctx.Wrap(err, "charging customer 42")
//
// is correct whether or not err is nil.
//
//go:noinline
func Wrap(err error, attempted string, opts ...Option) error {
	if err == nil {
		return nil
	}
	e := &Error{attempted: attempted, cause: err, pc: callsite.PC()}
	e.apply(opts)
	return e
}

// apply records opts on a layer under construction.
func (e *Error) apply(opts []Option) {
	for i := range opts {
		o := &opts[i]
		switch o.kind {
		case optRemedy:
			if e.remedy == "" {
				e.remedy = o.text
			} else if o.text != "" {
				e.remedy += "; " + o.text
			}
		case optFields:
			e.addAttrs(o.attrs)
		case optSecret:
			e.addAttrs([]slog.Attr{slog.String(o.text, Masked)})
		case optClass:
			e.class = Class(o.n)
			e.flags |= hasClass
		case optRetryAfter:
			e.retryAfter = time.Duration(o.n)
			e.flags |= hasRetryAfter
		case optStack:
			var pcs [maxStack]uintptr
			// 0 is runtime.Callers, 1 apply, 2 New or Wrap, 3 their caller.
			n := runtime.Callers(3, pcs[:])
			e.stack = append([]uintptr(nil), pcs[:n]...)
		}
	}
}

// addAttrs appends attrs to the layer's fields. The first Fields option's
// slice is shared, not copied: Options never modify their slices.
func (e *Error) addAttrs(attrs []slog.Attr) {
	if len(e.attrs) == 0 {
		e.attrs = attrs
		return
	}
	merged := make([]slog.Attr, 0, len(e.attrs)+len(attrs))
	e.attrs = append(append(merged, e.attrs...), attrs...)
}

// Unwrap returns the error this layer wraps, nil for one made by New.
func (e *Error) Unwrap() error { return e.cause }

// Attempted returns what this layer says was being attempted.
func (e *Error) Attempted() string { return e.attempted }

// Error returns the attempted steps and the cause as a sentence chain:
//
//	charging customer 42: POST payments/charge: connection refused
//
// Layers with an empty attempted text are left out; fields and remedies are
// not part of the message (see %+v and LogValue). More than 64 layers, each
// wrapping the next directly, keep their 32 outermost and 32 innermost steps
// and one note of how many were left out, at any depth. A foreign error
// between layers (fmt.Errorf's, say) writes its own message, which
// includes those of the layers it wraps.
func (e *Error) Error() string {
	var b strings.Builder
	e.writeMessage(&b)
	return b.String()
}

// maxMessageLayers bounds the steps Error spells out; the rest are counted.
const maxMessageLayers = 64

// unspecified is the message of an error that has no text at all.
const unspecified = "unspecified failure"

// writeMessage writes e's message. The directly nested *Error layers are
// walked in a loop rather than by recursion, so a deep chain costs neither
// stack nor quadratic copying; the loop needs no bound, since a layer's
// cause is made before the layer and so cannot lead back to it.
func (e *Error) writeMessage(b *strings.Builder) {
	n, size := 0, 0
	var cause error
	for l := e; l != nil; {
		n++
		size += len(l.attempted) + 2
		cause = l.cause
		next, ok := cause.(*Error)
		if !ok || next == nil {
			break
		}
		l = next
	}
	causeMsg := ""
	if cause != nil {
		causeMsg = message(cause)
	}
	b.Grow(size + len(causeMsg))
	head, tail := n, 0
	if n > maxMessageLayers {
		head, tail = maxMessageLayers/2, maxMessageLayers/2
	}
	sep := false
	write := func(s string) {
		if s == "" {
			return
		}
		if sep {
			b.WriteString(": ")
		}
		b.WriteString(s)
		sep = true
	}
	i := 0
	for l := e; i < n; i++ {
		switch {
		case i < head || i >= n-tail:
			write(l.attempted)
		case i == head:
			write("... " + strconv.Itoa(n-head-tail) + " more steps ...")
		}
		l, _ = l.cause.(*Error)
	}
	write(causeMsg)
	if !sep {
		b.WriteString(unspecified)
	}
}

// message returns err.Error(), or a description of the panic it raised, as
// fmt does: a typed nil pointer is a common cause.
func message(err error) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = "<error message panicked>"
		}
	}()
	return err.Error()
}
