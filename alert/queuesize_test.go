package alert_test

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
)

// A QueueSize is a number of events held in memory per sink: one past
// MaxQueueSize could never be allocated (Go panics making such a channel,
// or the process runs out of memory), so New refuses it with an error
// naming the field instead of panicking.
func TestNewRefusesAQueueSizeThatCannotBeAllocated(t *testing.T) {
	for _, size := range []int{alert.MaxQueueSize + 1, 1 << 40, int(^uint(0) >> 1)} {
		var err error
		require.NotPanics(t, func() {
			_, err = alert.New(alert.Config{Sinks: []alert.Sink{newFake("s", nil)}, QueueSize: size})
		})
		require.Error(t, err)
		assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "Config.QueueSize"))
	}
	n, err := alert.New(alert.Config{Sinks: []alert.Sink{newFake("s", nil)}, QueueSize: 1 << 10})
	require.NoError(t, err)
	require.NoError(t, n.Close(t.Context()))
}
