package demo

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Pace is the self-driven traffic of an example: Workers callers, each
// making about PerPeriod calls per Period.
type Pace struct {
	Workers   int
	PerPeriod int
	Period    time.Duration
	Seed      uint64 // with the worker's number, seeds its random choices, so every run makes the same calls
}

// Drive has every worker call call at the pace, ±25% around the mean so
// that workers do not march in step, until ctx ends; it returns when the
// workers have. call gets the worker's seeded random generator.
func (p Pace) Drive(ctx context.Context, call func(ctx context.Context, rng *rand.Rand)) {
	every := p.Period / time.Duration(p.PerPeriod)
	var wg sync.WaitGroup
	for i := range p.Workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(p.Seed, uint64(i)))
			for {
				wait := every*3/4 + time.Duration(rng.Int64N(int64(every/2)+1))
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				call(ctx, rng)
			}
		})
	}
	wg.Wait()
}
