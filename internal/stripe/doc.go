// Package stripe provides a counter that many goroutines can add to at once
// without contending: the count is spread ("striped") over cells of one
// cache line each, and the total is the sum of the cells.
//
// A single atomic counter written from several cores makes them pass its
// cache line back and forth: every add waits for the line to arrive, and a
// counter that costs a few nanoseconds from one goroutine costs several
// times that from many. A striped counter lets each core write mostly its
// own line.
//
// The cell is picked from the address of a local variable. Each goroutine
// runs on its own stack, so goroutines running at the same time have
// addresses far apart and mostly land on different cells, without any
// per-goroutine or per-CPU state and without asking the runtime which CPU is
// running. The address is only a spreading hint: a goroutine may use another
// cell after its stack moves, and two goroutines may share one; any cell is
// correct, because every add is an atomic add and Load sums every cell.
//
// A counter known to be hot is spread from the start with [Counter.Init];
// its [Counter.Add] is then small enough to be inlined into the caller. A
// counter whose contention is not known in advance uses
// [Counter.AddSpreading]: it adds to a single word by compare-and-swap, and
// the first time a compare-and-swap fails (two adds met) it allocates its
// cells, once, and uses them from then on, so a counter only ever written by
// one goroutine at a time stays one word. Add on a counter that was never
// spread is a plain atomic add.
//
// The smallest complete use:
//
//	var requests stripe.Counter // ready to use
//
//	func init()   { requests.Init() } // hot: spread from the start
//	func handle() { requests.Add(1) } // from any number of goroutines
//
//	func report() int64 { return requests.Load() }
package stripe
