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

// benchDo measures Do through br with a call that succeeds.
func benchDo(b *testing.B, br *Breaker) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Do(ctx, br, succeed)
	}
}

// benchDoParallel is benchDo from GOMAXPROCS goroutines at once.
func benchDoParallel(b *testing.B, br *Breaker) {
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = Do(ctx, br, succeed)
		}
	})
}

// openBreaker is a breaker opened by a failure, for an hour.
func openBreaker(b *testing.B) *Breaker {
	br := benchBreaker(b, Config{Name: "bench", ConsecutiveFailures: 1, OpenDuration: time.Hour})
	_ = br.Run(context.Background(), func(context.Context) error { return errors.New("boom") })
	if br.State() != Open {
		b.Fatal("not open")
	}
	return br
}

func BenchmarkDoClosed(b *testing.B) {
	benchDo(b, benchBreaker(b, Config{Name: "bench"}))
}

func BenchmarkDoClosedParallel(b *testing.B) {
	benchDoParallel(b, benchBreaker(b, Config{Name: "bench"}))
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
	benchDo(b, benchBreaker(b, Config{Name: "bench", ConsecutiveFailures: -1, FailureRate: 0.5, WindowSize: 100}))
}

func BenchmarkDoFailureRateWindowParallel(b *testing.B) {
	benchDoParallel(b, benchBreaker(b, Config{Name: "bench", ConsecutiveFailures: -1, FailureRate: 0.5, WindowSize: 100}))
}

func BenchmarkDoTimeWindow(b *testing.B) {
	benchDo(b, benchBreaker(b, Config{Name: "bench", FailureRate: 0.5, WindowDuration: 10 * time.Second}))
}

func BenchmarkDoSlowCallRate(b *testing.B) {
	benchDo(b, benchBreaker(b, Config{Name: "bench", SlowCallRate: 0.5, SlowCallDuration: time.Second}))
}

func BenchmarkRejectOpen(b *testing.B) {
	benchDo(b, openBreaker(b))
}

func BenchmarkRejectOpenParallel(b *testing.B) {
	benchDoParallel(b, openBreaker(b))
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
	benchDoParallel(b, benchBreaker(b, Config{Name: "bench", SlowCallRate: 0.5, SlowCallDuration: time.Second, WindowDuration: 10 * time.Second}))
}

// BenchmarkRunFailure is a failure that carries an error, in a breaker whose
// policy never reaches its threshold: the cost of counting it.
func BenchmarkRunFailure(b *testing.B) {
	br := benchBreaker(b, Config{Name: "bench", ConsecutiveFailures: 1 << 30})
	ctx := context.Background()
	boom := errors.New("boom")
	fn := func(context.Context) error { return boom }
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Run(ctx, fn)
	}
}
