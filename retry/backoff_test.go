package retry

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/errctx"
)

func TestBackoffBounds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		policy  Policy
		attempt int
		max     time.Duration
	}{
		{"default first", Policy{}, 1, 100 * time.Millisecond},
		{"default second", Policy{}, 2, 200 * time.Millisecond},
		{"default capped", Policy{}, 10, 10 * time.Second},
		{"no overflow", Policy{}, 1000, 10 * time.Second},
		{"default base under a small cap", Policy{Cap: 30 * time.Millisecond}, 1, 30 * time.Millisecond},
		{"explicit", Policy{Base: time.Second, Cap: time.Minute}, 3, 4 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var longest time.Duration
			for range 2000 {
				d := tc.policy.backoff(tc.attempt, nil)
				assert.GreaterOrEqual(t, d, time.Duration(0))
				assert.LessOrEqual(t, d, tc.max)
				longest = max(longest, d)
			}
			assert.Greater(t, longest, tc.max/2, "full jitter spreads waits over the whole range")
		})
	}
}

func TestBackoffRetryAfter(t *testing.T) {
	p := Policy{Base: time.Millisecond, Cap: time.Second}
	busy := errctx.New("calling payments", errctx.RetryAfter(300*time.Millisecond))
	assert.Equal(t, 300*time.Millisecond, p.backoff(1, busy))

	slow := errctx.New("calling payments", errctx.RetryAfter(time.Hour))
	assert.Equal(t, time.Second, p.backoff(1, slow), "Retry-After is honoured within the cap")
}
