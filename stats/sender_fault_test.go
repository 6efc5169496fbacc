package stats_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/stats"
)

// blockingSender blocks every Send until released and tells when the first
// one started.
type blockingSender struct {
	entered chan struct{}
	release chan struct{}
	once    atomic.Bool
}

func newBlockingSender() *blockingSender {
	return &blockingSender{entered: make(chan struct{}), release: make(chan struct{})}
}

func (b *blockingSender) Send(p []byte) (int, error) {
	if b.once.CompareAndSwap(false, true) {
		close(b.entered)
	}
	<-b.release
	return len(p), nil
}

func (b *blockingSender) Close() error { return nil }

// returnsWithin fails t unless fn returns within d.
func returnsWithin(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		assert.Failf(t, "blocked", "%s waited for a send for more than %v", what, d)
	}
}

// A flush that is sending (here: forever) holds up no caller: not one that
// registers a handle, nor the first Count of a new series.
func TestNoCallerWaitsForASend(t *testing.T) {
	sink := newBlockingSender()
	s, err := stats.NewStatsd(stats.Config{Sender: sink, MaxPacketSize: 64, FlushInterval: time.Millisecond})
	require.NoError(t, err)
	for i := range 20 { // more lines than one packet holds: the flush sends while reading handles
		s.NewCounter("handle." + strconv.Itoa(i)).Inc()
		s.NewGauge("gauge." + strconv.Itoa(i)).Set(1)
	}
	<-sink.entered
	returnsWithin(t, time.Second, "NewCounter", func() { s.NewCounter("new.counter").Inc() })
	returnsWithin(t, time.Second, "NewGauge", func() { s.NewGauge("new.gauge").Set(1) })
	returnsWithin(t, time.Second, "the first Count of a series", func() { s.Count("new.series", 1) })
	close(sink.release)
	require.NoError(t, s.Close())
}

// faultySender panics in Send, or in Close, as a user's Sender may.
type faultySender struct{ panicInSend, panicInClose bool }

func (f faultySender) Send(p []byte) (int, error) {
	if f.panicInSend {
		panic("send exploded")
	}
	return len(p), nil
}

func (f faultySender) Close() error {
	if f.panicInClose {
		panic("close exploded")
	}
	return nil
}

func TestASenderThatPanicsIsASendError(t *testing.T) {
	s, err := stats.NewStatsd(stats.Config{Sender: faultySender{panicInSend: true}, FlushInterval: time.Millisecond})
	require.NoError(t, err)
	for i := range 10 {
		s.Timing("lost", time.Duration(i))
	}
	waitFor(t, func() bool { return s.SendErrors() > 0 })
	require.NoError(t, s.Close())
	assert.Equal(t, uint64(10), s.Dropped(), "the stats of a packet whose Send panicked are dropped")
	assert.Zero(t, s.Sent())
}

func TestASenderWhoseClosePanicsFailsClose(t *testing.T) {
	s, err := stats.NewStatsd(stats.Config{Sender: faultySender{panicInClose: true}})
	require.NoError(t, err)
	s.Timing("kept", time.Millisecond)
	err = s.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "close exploded")
	assert.Equal(t, uint64(1), s.Sent())
}

// closeHangs is a sender whose Close never returns until released.
type closeHangs struct{ release chan struct{} }

func (c closeHangs) Send(p []byte) (int, error) { return len(p), nil }
func (c closeHangs) Close() error               { <-c.release; return nil }

func TestCloseIsBoundedWhenTheSendersCloseHangs(t *testing.T) {
	sink := closeHangs{release: make(chan struct{})}
	defer close(sink.release)
	s, err := stats.NewStatsd(stats.Config{Sender: sink, CloseTimeout: 50 * time.Millisecond})
	require.NoError(t, err)
	var closeErr error
	returnsWithin(t, time.Second, "Close", func() { closeErr = s.Close() })
	require.Error(t, closeErr)
	assert.Contains(t, closeErr.Error(), "took longer than 50ms")
}
