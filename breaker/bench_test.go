package breaker

import (
	"context"
	"errors"
	"testing"
	"time"
)

func benchBreaker(b *testing.B, cfg Config) *Breaker {
	b.Helper()
	cfg.Logger = discardLogger()
	br, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return br
}

func succeed(context.Context) (int, error) { return 1, nil }

func BenchmarkDoClosed(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Do(ctx, br, succeed)
	}
}

func BenchmarkDoClosedParallel(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench"})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = Do(ctx, br, succeed)
		}
	})
}

func BenchmarkRunClosed(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench"})
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Run(ctx, fn)
	}
}

func BenchmarkAllowDone(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		t, err := br.Allow(ctx)
		if err == nil {
			t.Done(nil)
		}
	}
}

func BenchmarkAllowDoneParallel(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench"})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t, err := br.Allow(ctx)
			if err == nil {
				t.Done(nil)
			}
		}
	})
}

func BenchmarkDoFailureRateWindow(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench", ConsecutiveFailures: -1, FailureRate: 0.5, WindowSize: 100})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Do(ctx, br, succeed)
	}
}

func BenchmarkDoFailureRateWindowParallel(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench", ConsecutiveFailures: -1, FailureRate: 0.5, WindowSize: 100})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = Do(ctx, br, succeed)
		}
	})
}

func BenchmarkDoTimeWindow(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench", FailureRate: 0.5, WindowDuration: 10 * time.Second})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Do(ctx, br, succeed)
	}
}

func BenchmarkDoSlowCallRate(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench", SlowCallRate: 0.5, SlowCallDuration: time.Second})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Do(ctx, br, succeed)
	}
}

func BenchmarkRejectOpen(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench", ConsecutiveFailures: 1, OpenDuration: time.Hour})
	ctx := context.Background()
	boom := errors.New("boom")
	_ = br.Run(ctx, func(context.Context) error { return boom })
	if br.State() != Open {
		b.Fatal("not open")
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Do(ctx, br, succeed)
	}
}

func BenchmarkRejectOpenParallel(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench", ConsecutiveFailures: 1, OpenDuration: time.Hour})
	ctx := context.Background()
	_ = br.Run(ctx, func(context.Context) error { return errors.New("boom") })
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = Do(ctx, br, succeed)
		}
	})
}

// BenchmarkDoFailureRateWindowMixed keeps a failure in the window (1 call in
// 100 fails), so every success has to rotate the ring.
func BenchmarkDoFailureRateWindowMixed(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench", ConsecutiveFailures: -1, FailureRate: 0.5, WindowSize: 100})
	ctx := context.Background()
	boom := errors.New("boom")
	i := 0
	mixed := func(context.Context) (int, error) {
		if i++; i%100 == 0 {
			return 0, boom
		}
		return 1, nil
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Do(ctx, br, mixed)
	}
}

func BenchmarkDoSlowCallRateParallel(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench", SlowCallRate: 0.5, SlowCallDuration: time.Second, WindowDuration: 10 * time.Second})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = Do(ctx, br, succeed)
		}
	})
}
