// Package heapsize measures, from outside, how much heap the objects a
// constructor makes keep alive: the figure a user with many breakers,
// handles or hosts pays, whatever the objects point to.
package heapsize

import "runtime"

// PerObject makes n objects with mk, keeps them all alive, and returns the
// growth of the live heap per object, in bytes. It collects garbage before
// and after, so garbage made on the way is not counted; what mk registers
// elsewhere (in an emitter's maps, say) is. Concurrent allocations by other
// goroutines add noise: callers bound their figures with a margin and
// measure enough objects (n of 1,000 or more) to average it out.
func PerObject(n int, mk func(i int) any) float64 {
	keep := make([]any, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range keep {
		keep[i] = mk(i)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
}

// AtGOMAXPROCS runs f with runtime.GOMAXPROCS set to procs, and restores
// the previous value after.
func AtGOMAXPROCS(procs int, f func()) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	f()
}
