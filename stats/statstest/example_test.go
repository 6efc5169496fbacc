package statstest_test

import (
	"fmt"
	"time"

	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// checkout is code under test: it takes its Emitter as a dependency.
func checkout(e stats.Emitter, items int) {
	start := time.Now()
	e.Count("checkout.items", int64(items), stats.T("plan", "pro"))
	e.Timing("checkout.duration", time.Since(start))
}

// Asserting with statstest: record, then read back by name and tags.
func ExampleRecorder() {
	rec := statstest.New()

	checkout(rec, 3)
	checkout(rec, 2)

	fmt.Println(rec.Counted("checkout.items", stats.T("plan", "pro")))
	fmt.Println(len(rec.Timings("checkout.duration")))
	// Output:
	// 5
	// 2
}
