package reqid

import (
	"context"
	"reflect"
	"strconv"
)

// ctxKey is the key under which an *idCtx answers Value, for callers that
// reach it through other contexts.
type ctxKey struct{}

// idCtx is the context [With] returns: its parent and the request ID, in
// one allocation. context.WithValue would take two (the value context and
// the string boxed in an interface). Deadline, Done and Err are the
// parent's; Value answers for ctxKey with the idCtx itself (a pointer in an
// interface, so [From] allocates nothing) and asks the parent for any other
// key, which also lets contexts derived from it join the parent's
// cancellation directly, as they would under a context.WithValue.
type idCtx struct {
	context.Context
	id string
}

// Value returns c for the request-ID key and the parent's value otherwise.
func (c *idCtx) Value(key any) any {
	if _, ok := key.(ctxKey); ok {
		return c
	}
	return c.Context.Value(key)
}

// String describes the context in the standard library's style, for
// debugging: the parent's description followed by the quoted ID.
func (c *idCtx) String() string {
	var parent string
	if s, ok := c.Context.(interface{ String() string }); ok {
		parent = s.String()
	} else {
		parent = reflect.TypeOf(c.Context).String()
	}
	return parent + ".WithRequestID(" + strconv.Quote(c.id) + ")"
}

// With returns a copy of ctx that carries the request ID id. It costs one
// allocation. The copy is done, has a deadline and has an error exactly
// when ctx does; contexts derived from it are cancelled with ctx. With
// panics if ctx is nil, as context.WithValue does.
func With(ctx context.Context, id string) context.Context {
	if ctx == nil {
		panic("reqid: With called with a nil context")
	}
	return &idCtx{Context: ctx, id: id}
}

// From returns the request ID carried by ctx, and whether there was a
// non-empty one. The innermost [With] wins, and an empty ID counts as none.
// From allocates nothing; it is cheapest on the context With returned.
func From(ctx context.Context) (string, bool) {
	c, ok := ctx.(*idCtx)
	if !ok {
		c, _ = ctx.Value(ctxKey{}).(*idCtx)
		if c == nil {
			return "", false
		}
	}
	return c.id, c.id != ""
}
