package reqid

import "context"

type ctxKey struct{}

// With returns a copy of ctx that carries the request ID id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the request ID carried by ctx, and whether there was a
// non-empty one.
func From(ctx context.Context) (string, bool) {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id, id != ""
}
