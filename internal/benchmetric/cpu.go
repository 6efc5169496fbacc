package benchmetric

import "testing"

// ReportCPU starts measuring the process's CPU time (user and system, the
// garbage collector and any servers in the process included) and returns a
// function that reports it per operation as cpu-ns/op; call it when the
// benchmark loop is done. Where the CPU time is unknown it reports nothing.
func ReportCPU(b *testing.B) (stop func()) {
	before, ok := cpuTime()
	return func() {
		if after, _ := cpuTime(); ok && b.N > 0 {
			b.ReportMetric(float64(after-before)/float64(b.N), "cpu-ns/op")
		}
	}
}
