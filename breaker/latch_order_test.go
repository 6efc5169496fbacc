package breaker

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// orderedLatch is a latch whose breaker's transitions the test hands to it
// itself, in the order the test chooses: the latch's own subscription is
// closed, and a test subscription collects the transitions.
func orderedLatch(t *testing.T) (*Breaker, *Latch, <-chan Transition) {
	t.Helper()
	b, err := New(Config{Name: "mail-poller", ConsecutiveFailures: 1, Logger: discardLogger()})
	require.NoError(t, err)
	l, err := NewLatch(b, filepath.Join(t.TempDir(), "poller.latch"))
	require.NoError(t, err)
	l.detach() // the test delivers the transitions itself, in the order it chooses
	trans := make(chan Transition, 16)
	t.Cleanup(b.Subscribe(func(tr Transition) { trans <- tr }))
	return b, l, trans
}

// opening makes b open on a failure and returns the transition as the
// latch would receive it.
func opening(t *testing.T, b *Breaker, trans <-chan Transition) Transition {
	t.Helper()
	require.Error(t, b.Run(context.Background(), func(context.Context) error { return errors.New("554 quota") }))
	for {
		select {
		case tr := <-trans:
			if tr.To == Open {
				return tr
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the opening was not published")
		}
	}
}

func recorded(t *testing.T, l *Latch) string {
	t.Helper()
	rec, err := readLatchFile(l.Path())
	require.NoError(t, err)
	got, ok := l.Record()
	require.True(t, ok)
	require.Equal(t, rec, got, "the file and Record agree")
	return rec.Reason
}

func TestLatchTripOrder(t *testing.T) {
	crash := errors.New("nil map")
	t.Run("opening, then Trip: Trip's record", func(t *testing.T) {
		b, l, trans := orderedLatch(t)
		l.observe(opening(t, b, trans))
		require.Equal(t, "1 failure in a row", recorded(t, l))
		require.NoError(t, l.Trip("panic while polling", crash))
		assert.Equal(t, "panic while polling", recorded(t, l))
		assert.Equal(t, ForcedOpen, b.State())
	})
	t.Run("Trip, then opening: Trip's record", func(t *testing.T) {
		b, l, trans := orderedLatch(t)
		tr := opening(t, b, trans)
		require.NoError(t, l.Trip("panic while polling", crash))
		l.observe(tr)
		assert.Equal(t, "panic while polling", recorded(t, l))
	})
	t.Run("opening, Trip, Trip: the first Trip's record", func(t *testing.T) {
		b, l, trans := orderedLatch(t)
		l.observe(opening(t, b, trans))
		require.NoError(t, l.Trip("panic while polling", crash))
		require.NoError(t, l.Trip("another failure", nil))
		assert.Equal(t, "panic while polling", recorded(t, l))
	})
	t.Run("opening after a reset: a new stop, recorded again", func(t *testing.T) {
		b, l, trans := orderedLatch(t)
		require.NoError(t, l.Trip("panic while polling", crash))
		require.NoError(t, l.Reset())
		l.observe(opening(t, b, trans))
		assert.Equal(t, "1 failure in a row", recorded(t, l))
		require.NoError(t, l.Trip("panic again", crash))
		assert.Equal(t, "panic again", recorded(t, l))
	})
}
