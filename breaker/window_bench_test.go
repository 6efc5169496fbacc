package breaker

import (
	"testing"
	"time"
)

func BenchmarkDoTimeWindowParallel(b *testing.B) {
	benchDoParallel(b, benchBreaker(b, Config{Name: "bench", FailureRate: 0.5, WindowDuration: 10 * time.Second}))
}
