package retry

import "context"

// keyContext carries Policy.IdempotencyKey to fn: the one allocation an
// IdempotencyKey costs, where context.WithValue would make two (the context,
// and the key boxed in an interface).
type keyContext struct {
	context.Context
	key string
}

// keyName is what keyContext answers to in Value.
type keyName struct{}

// Value returns the keyContext itself for keyName, so that reading the key
// does not box it either.
func (c *keyContext) Value(k any) any {
	if k == (keyName{}) {
		return c
	}
	return c.Context.Value(k)
}

// IdempotencyKey returns the key that [Policy].IdempotencyKey gave the
// attempt running with ctx, so fn can send it along (for example as an
// Idempotency-Key header). Every attempt of one Do call sees the same key.
func IdempotencyKey(ctx context.Context) (string, bool) {
	if c, ok := ctx.Value(keyName{}).(*keyContext); ok {
		return c.key, true
	}
	return "", false
}
