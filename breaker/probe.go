package breaker

import "time"

// probeDeadline is how long a half-open breaker whose probe slots are all
// taken waits for news of a probe (one starting or reporting) before it
// takes its probes as lost: OpenDuration, plus Config.Timeout when set.
func (b *Breaker) probeDeadline() time.Duration {
	return b.cfg.OpenDuration + b.cfg.Timeout
}

// stir notes that a probe of g started or reported.
func (g *gen) stir() {
	g.active.Store(int64(g.b.clock.Now().Sub(g.b.base)))
}

// probesLost reports whether no probe of g has started or reported within
// the probe deadline: a Ticket was never reported, and waiting longer would
// keep the breaker half-open forever.
func (g *gen) probesLost() bool {
	idle := time.Duration(int64(g.b.clock.Now().Sub(g.b.base)) - g.active.Load())
	return idle >= g.b.probeDeadline()
}
