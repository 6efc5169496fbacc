package benchmetric

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

var sink int

func work(n int) func() {
	return func() {
		for i := range n {
			sink += i
		}
	}
}

func TestReportCPUAddsTheMetric(t *testing.T) {
	res := testing.Benchmark(func(b *testing.B) {
		defer ReportCPU(b)()
		for b.Loop() {
			work(100)()
		}
	})
	if _, known := cpuTime(); !known {
		t.Skip("the CPU time is unknown on this platform")
	}
	assert.Contains(t, res.Extra, "cpu-ns/op")
	assert.Greater(t, res.Extra["cpu-ns/op"], 0.0)
}

func TestPairedRatioIsAFiniteMedian(t *testing.T) {
	var ratio float64
	testing.Benchmark(func(b *testing.B) { ratio = PairedRatio(b, work(10), work(10)) })
	assert.Greater(t, ratio, 0.0)
	assert.False(t, math.IsInf(ratio, 0) || math.IsNaN(ratio))
}
