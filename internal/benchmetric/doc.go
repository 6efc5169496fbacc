// Package benchmetric holds the measurements vitals' benchmarks share, in
// this module and in bench/, for figures that stay meaningful on a small,
// busy machine:
//
//   - [ReportCPU] adds cpu-ns/op, the process's CPU time per operation,
//     which does not count the time other processes held the CPU;
//   - [PairedRatio] times two functions in alternating short stretches and
//     returns the median ratio, which does not drift the way two separate
//     benchmark runs do;
//   - [CannedTransport] answers HTTP calls at once, for client middleware
//     benchmarks that measure the middleware and not the network.
//
// The smallest complete use:
//
//	func BenchmarkNew(b *testing.B) {
//		defer benchmetric.ReportCPU(b)()
//		b.ReportMetric(benchmetric.PairedRatio(b, uuid.NewString, reqid.New), "x-uuid")
//	}
package benchmetric
