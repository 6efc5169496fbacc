package breaker

import (
	"io"
	"log/slog"
	"time"

	"github.com/vitals-go/vitals/internal/testclock"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newFakeClock is the tests' Clock, at a fixed start that the expected
// texts and JSON quote.
func newFakeClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC))
}
