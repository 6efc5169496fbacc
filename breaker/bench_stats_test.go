package breaker

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/vitals-go/vitals/stats"
)

// statsdBreaker is a closed breaker whose stats go to a real statsd emitter
// (to a UDP listener on loopback), as in production: Do and Run then pay
// for counting a panic, which they skip when the stats are discarded.
func statsdBreaker(b *testing.B) *Breaker {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { udp.Close() })
	s, err := stats.NewStatsd(stats.Config{Addr: udp.LocalAddr().String(), FlushInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return benchBreaker(b, Config{Name: "bench", Stats: s})
}

func BenchmarkDoClosedStatsd(b *testing.B) {
	benchDo(b, statsdBreaker(b))
}

func BenchmarkRunClosedStatsd(b *testing.B) {
	br := statsdBreaker(b)
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Run(ctx, fn)
	}
}
