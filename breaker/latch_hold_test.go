package breaker

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stuckHandler is a log handler that blocks every record until released.
type stuckHandler struct{ release chan struct{} }

func (h stuckHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h stuckHandler) Handle(context.Context, slog.Record) error {
	<-h.release
	return nil
}
func (h stuckHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h stuckHandler) WithGroup(string) slog.Handler      { return h }

// latchHarness is a harness whose breaker, opening on its first failure,
// has a latch on a state file in a temporary directory.
func latchHarness(t *testing.T, cfg Config) (*harness, *Latch) {
	t.Helper()
	cfg.ConsecutiveFailures = 1
	h := newHarness(t, cfg)
	l, err := NewLatch(h.b, filepath.Join(t.TempDir(), "poller.latch"))
	require.NoError(t, err)
	t.Cleanup(l.Close)
	return h, l
}

// The latch holds the breaker as it opens, whatever the log handler does:
// a handler that never returns neither lets the open period run out into a
// probe nor keeps the state file from being written.
func TestLatchHoldsTheBreakerAsItOpensWhateverTheLogHandler(t *testing.T) {
	stuck := stuckHandler{release: make(chan struct{})}
	h, l := latchHarness(t, Config{Logger: slog.New(stuck)})
	t.Cleanup(func() { close(stuck.release) })
	h.fails(1)
	assert.Equal(t, ForcedOpen, h.b.State(), "held by the time the failing call returns")
	h.clock.Advance(time.Hour)
	called := false
	err := h.b.Run(context.Background(), func(context.Context) error { called = true; return nil })
	require.ErrorIs(t, err, ErrOpen)
	assert.False(t, called, "no probe runs after the open period")
	require.Eventually(t, func() bool { _, err := os.Stat(l.Path()); return err == nil }, 5*time.Second, time.Millisecond,
		"the state file is written although the log handler never returns")
	rec, ok := l.Record()
	require.True(t, ok)
	assert.Equal(t, "1 failure in a row", rec.Reason)
	assert.Equal(t, errBoom.Error(), rec.LastError)
	assert.Contains(t, h.b.Snapshot().Reason, "1 failure in a row", "rejections say why")
}

// A trip always leaves a state file: one deleted while latched is written
// again by the next Trip.
func TestLatchTripRewritesADeletedStateFile(t *testing.T) {
	_, l := latchHarness(t, Config{})
	require.NoError(t, l.Trip("panic while polling", errors.New("nil map")))
	require.FileExists(t, l.Path())
	require.NoError(t, os.Remove(l.Path()))
	require.NoError(t, l.Trip("another failure", nil))
	rec, err := readLatchFile(l.Path())
	require.NoError(t, err, "the trip left a state file")
	assert.Equal(t, "panic while polling", rec.Reason, "the record of the stop is still the first one")
}

// The latch's times come from the breaker's clock.
func TestLatchUsesTheBreakersClock(t *testing.T) {
	h, l := latchHarness(t, Config{})
	require.NoError(t, l.Trip("panic while polling", nil))
	rec, ok := l.Record()
	require.True(t, ok)
	assert.Equal(t, h.clock.Now(), rec.TrippedAt)
}
