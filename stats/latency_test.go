package stats_test

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// callTimer times calls and tells a slow call that the machine caused from
// one the code caused. A call is excused when, around it, the process's
// threads spent at least the excess waiting for a CPU: on a loaded machine
// the operating system deschedules the caller's thread, or the thread of
// the P it waits for after a Go preemption. Linux reports each thread's
// run-queue wait in /proc/self/task/*/schedstat; elsewhere every slow call
// counts.
type callTimer struct {
	limit   time.Duration
	calls   int
	waited  time.Duration // run-queue wait at the last checkpoint
	slowest time.Duration
	slow    int           // slow calls not explained by run-queue wait
	worst   time.Duration // the slowest of those
	excused int           // slow calls explained by the process waiting for a CPU
}

// checkpointEvery is how many calls share one run-queue reading.
const checkpointEvery = 1000

// newCallTimer returns a callTimer for calls that should take at most
// limit. While it is in use the garbage collector is off, so its pauses do
// not count against calls that do not allocate, and there are more Ps than
// CPUs, so that a preempted caller finds an idle P at once instead of
// waiting, uncounted, behind the emitter's own goroutines: what delays it
// then is the operating system, which schedstat accounts for.
func newCallTimer(t *testing.T, limit time.Duration) *callTimer {
	gc := debug.SetGCPercent(-1)
	procs := runtime.GOMAXPROCS(runtime.NumCPU() + 2)
	t.Cleanup(func() {
		debug.SetGCPercent(gc)
		runtime.GOMAXPROCS(procs)
	})
	return &callTimer{limit: limit, waited: runQueueWait()}
}

// check fails t if a slow call was not explained by the machine; under the
// race detector it logs instead.
func (c *callTimer) check(t *testing.T) {
	t.Helper()
	t.Logf("%d calls: slowest %v; over %v: %d explained by the process waiting for a CPU, %d not (the slowest: %v)",
		c.calls, c.slowest, c.limit, c.excused, c.slow, c.worst)
	if raceEnabled {
		return
	}
	if c.slow > 0 {
		t.Errorf("%d calls slower than %v that the machine does not explain (the slowest: %v)", c.slow, c.limit, c.worst)
	}
}

// time runs fn and records how long it took.
func (c *callTimer) time(fn func()) {
	if c.calls%checkpointEvery == 0 {
		c.waited = runQueueWait()
	}
	c.calls++
	start := time.Now()
	fn()
	d := time.Since(start)
	c.slowest = max(c.slowest, d)
	if d <= c.limit {
		return
	}
	if w := runQueueWait(); w-c.waited >= d-c.limit {
		c.excused++
	} else {
		c.slow++
		c.worst = max(c.worst, d)
	}
}

// runQueueWait returns how long the process's threads have waited for a
// CPU in all, or 0 where that is unknown.
func runQueueWait() time.Duration {
	tasks, _ := filepath.Glob("/proc/self/task/*/schedstat")
	var total time.Duration
	for _, p := range tasks {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread exited
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			total += time.Duration(ns)
		}
	}
	return total
}
