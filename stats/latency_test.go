package stats_test

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// callTimer times calls on a goroutine locked to its thread and tells a
// slow call that the operating system caused (the thread was runnable but
// waiting for a CPU, as on a loaded machine) from one the code caused
// (it blocked or spun). Linux reports a thread's run-queue wait in
// /proc/thread-self/schedstat; elsewhere every slow call counts.
type callTimer struct {
	limit   time.Duration
	calls   int
	waited  time.Duration // run-queue wait at the last checkpoint
	slowest time.Duration
	slow    int // slow calls not explained by run-queue wait
	worst   time.Duration // the slowest of those
	excused int // slow calls the thread spent waiting for a CPU
}

// checkpointEvery is how many calls share one run-queue reading.
const checkpointEvery = 1000

func newCallTimer(t *testing.T, limit time.Duration) *callTimer {
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	return &callTimer{limit: limit, waited: runQueueWait()}
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

// runQueueWait returns how long the current thread has waited for a CPU,
// or 0 where that is unknown.
func runQueueWait() time.Duration {
	b, err := os.ReadFile("/proc/thread-self/schedstat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	ns, _ := strconv.ParseInt(f[1], 10, 64)
	return time.Duration(ns)
}
