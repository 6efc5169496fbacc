package stripe

import (
	"sync/atomic"
	"testing"
)

// adder is what the benchmark adds to.
type adder interface{ Add(int64) }

type plain struct{ atomic.Int64 }

func (p *plain) Add(n int64) { p.Int64.Add(n) }

// BenchmarkAdd compares an add to one shared atomic.Int64 with an add to a
// zero Counter (one word until adds meet, then spread) and to a Counter
// spread from the start, from one goroutine and from every core. Each run
// gets a fresh counter, so the zero Counter's serial runs measure the
// unspread word.
func BenchmarkAdd(b *testing.B) {
	for _, c := range []struct {
		name string
		make func() adder
	}{
		{"atomic", func() adder { return new(plain) }},
		{"zero", func() adder { return new(Counter) }},
		{"init", func() adder { c := new(Counter); c.Init(); return c }},
	} {
		b.Run(c.name+"/serial", func(b *testing.B) {
			a := c.make()
			b.ReportAllocs()
			for b.Loop() {
				a.Add(1)
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			a := c.make()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					a.Add(1)
				}
			})
		})
	}
}
