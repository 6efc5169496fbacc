package retry

import (
	"math/rand/v2"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// backoff returns how long to wait after failed attempt n (1-based) before
// the next one: a uniform draw from [0, min(Cap, Base·2^(n-1))] ("full
// jitter"), raised to the Retry-After carried by err if that is longer, and
// never more than Cap.
func (p *Policy) backoff(n int, err error) time.Duration {
	limit := p.cap()
	base := p.Base
	if base == 0 {
		base = min(DefaultBase, limit)
	}
	ceiling := limit
	if shift := n - 1; shift < 62 && base <= limit>>shift {
		ceiling = base << shift
	}
	// In uint64, ceiling+1 does not overflow even when ceiling is the
	// largest duration, as a Cap meaning "no cap" makes it.
	wait := time.Duration(rand.Uint64N(uint64(ceiling) + 1))
	if after, ok := errctx.RetryAfterOf(err); ok && after > wait {
		wait = after
	}
	return min(wait, limit)
}
