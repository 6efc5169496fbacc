package stripe

import (
	"sync/atomic"
	"testing"
)

// adder is what the benchmark adds to.
type adder interface{ Add(int64) }

type plain struct{ atomic.Int64 }

func (p *plain) Add(n int64) { p.Int64.Add(n) }

type spreading struct{ Counter }

func (s *spreading) Add(n int64) { s.AddSpreading(n) }

// BenchmarkAdd compares an add to one shared atomic.Int64 with AddSpreading
// on a zero Counter (one word until adds meet, then spread) and Add on a
// Counter spread from the start, from one goroutine and from every core.
// Each run gets a fresh counter, so the spreading Counter's serial runs
// measure the unspread word.
func BenchmarkAdd(b *testing.B) {
	for _, c := range []struct {
		name string
		make func() adder
	}{
		{"atomic", func() adder { return new(plain) }},
		{"spreading", func() adder { return new(spreading) }},
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
