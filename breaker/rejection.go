package breaker

import (
	"fmt"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// rejection builds the error returned to calls that g refuses. It is built
// once per generation (and refreshed every second while open, for its
// Retry-After), so rejecting a call costs two atomic loads.
//
// Its class tells retry what to do: an open or half-open breaker ends by
// itself, so its rejections are Transient (an open one with a Retry-After
// of the time left); a forced-open one (and so a latched one) ends only by
// Reset, so its rejections are Permanent and retry does not repeat them.
func (b *Breaker) rejection(g *gen, left time.Duration) error {
	class := errctx.Transient
	if g.state == ForcedOpen {
		class = errctx.Permanent
	}
	opts := []errctx.Option{errctx.WithClass(class)}
	var remedy string
	switch g.state {
	case Open:
		opts = append(opts, errctx.RetryAfter(left))
		remedy = fmt.Sprintf("calls to %s resume at %s (in %s) with %s; it opened because of %s",
			b.name, g.until.UTC().Format(time.RFC3339), left.Round(time.Millisecond), probes(b.cfg.ProbeLimit), g.reason)
		if err := g.cause; err != nil {
			remedy += fmt.Sprintf(" (last error: %v)", err)
		}
		remedy += "; fix the dependency, or wait"
	case HalfOpen:
		remedy = fmt.Sprintf("%s is half-open and %s already in flight will decide whether calls resume; retry in a moment",
			b.name, probes(b.cfg.ProbeLimit))
	case ForcedOpen:
		remedy = fmt.Sprintf("%s was %s; calls resume only after Reset()", b.name, g.reason)
	}
	opts = append(opts, errctx.Remedy(remedy), errctx.Fields("breaker", b.name, "state", g.state.String(), "generation", g.id))
	return errctx.Wrap(ErrOpen, "calling "+b.name, opts...)
}

func probes(n int) string {
	if n == 1 {
		return "1 probe call"
	}
	return fmt.Sprintf("%d probe calls", n)
}
