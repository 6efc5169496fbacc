package retry

import "context"

// keyContext is the context key under which Do passes Policy.IdempotencyKey.
type keyContext struct{}

// IdempotencyKey returns the key that [Policy].IdempotencyKey gave the
// attempt running with ctx, so fn can send it along (for example as an
// Idempotency-Key header). Every attempt of one Do call sees the same key.
func IdempotencyKey(ctx context.Context) (string, bool) {
	key, ok := ctx.Value(keyContext{}).(string)
	return key, ok
}
