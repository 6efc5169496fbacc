package alert_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: Close
// must stop every worker, check and watch the Notifier started.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
