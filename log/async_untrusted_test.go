package log_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	vlog "github.com/vitals-go/vitals/log"
)

// TestAsyncWriterIsErrorPanics gives a user IsError that panics on a short
// line: the caller of Write never sees the panic, the panic is counted, and
// later writes from other goroutines still go through (the lock is not left
// held).
func TestAsyncWriterIsErrorPanics(t *testing.T) {
	defer goleak.VerifyNone(t)
	sink := newBlockingSink()
	w := vlog.NewAsyncWriter(sink, vlog.AsyncOptions{
		Size: 100, Reserve: 50,
		IsError: func(line []byte) bool { return line[10] == 'E' }, // panics on a short line
	})
	_, _ = w.Write([]byte("I first\n"))
	<-sink.started
	_, _ = w.Write([]byte("I 0123456789 0123456789 0123456789 0123456789\n")) // 46 bytes: the queue is near the limit
	assert.NotPanics(t, func() { _, _ = w.Write([]byte("E short\n")) }, "past the limit IsError runs, and panics")
	assert.Equal(t, uint64(1), w.Panics())

	written := make(chan struct{})
	go func() {
		defer close(written)
		_, _ = w.Write([]byte("I x\n"))
	}()
	select {
	case <-written:
	case <-time.After(5 * time.Second):
		t.Fatal("a Write after IsError panicked blocked: the writer's lock was left held")
	}
	close(sink.release)
	require.NoError(t, w.Close())
	assert.Contains(t, sink.out.String(), "I x\n", "a line that fits is still written")
}

// panickingSink panics on its first writes, then works.
type panickingSink struct {
	panics atomic.Int32 // writes left that panic
	out    lines
}

func (s *panickingSink) Write(p []byte) (int, error) {
	if s.panics.Add(-1) >= 0 {
		panic("sink exploded")
	}
	return s.out.Write(p)
}

// TestAsyncWriterSinkPanics has a sink whose Write panics: the process goes
// on, the lines it was given are counted as dropped and reported once the
// sink works again.
func TestAsyncWriterSinkPanics(t *testing.T) {
	defer goleak.VerifyNone(t)
	sink := &panickingSink{}
	sink.panics.Store(1)
	w := vlog.NewAsyncWriter(sink, vlog.AsyncOptions{})
	_, _ = w.Write(line("INFO", "lost", 0))
	require.Eventually(t, func() bool { return w.Dropped() == 1 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, uint64(1), w.Refused())
	assert.Equal(t, uint64(1), w.Panics())

	_, _ = w.Write(line("INFO", "kept", 0))
	require.NoError(t, w.Close())
	got := sink.out.decode(t)
	require.Len(t, got, 2)
	assert.Equal(t, "kept", got[0]["msg"])
	assert.Equal(t, 1.0, got[1]["dropped"], "the panic's lines are reported once the sink works")
}

// flakySink refuses every write while failing is set.
type flakySink struct {
	failing atomic.Bool
	out     lines
}

func (s *flakySink) Write(p []byte) (int, error) {
	if s.failing.Load() {
		return 0, errors.New("disk full")
	}
	return s.out.Write(p)
}

// TestAsyncWriterRefusedLinesAreDropped has a sink refuse 100 lines: every
// one is counted as dropped, and reported once the sink accepts again.
func TestAsyncWriterRefusedLinesAreDropped(t *testing.T) {
	defer goleak.VerifyNone(t)
	sink := &flakySink{}
	sink.failing.Store(true)
	w := vlog.NewAsyncWriter(sink, vlog.AsyncOptions{})
	for range 100 {
		_, _ = w.Write(line("INFO", "refused", 10))
	}
	require.Eventually(t, func() bool { return w.Dropped() == 100 }, 5*time.Second, time.Millisecond,
		"every refused line is counted")
	assert.Equal(t, uint64(100), w.Refused())
	assert.Empty(t, sink.out.String(), "nothing is reported while the sink refuses")

	sink.failing.Store(false)
	_, _ = w.Write(line("INFO", "back", 0))
	require.NoError(t, w.Close())
	got := sink.out.decode(t)
	require.Len(t, got, 2)
	assert.Equal(t, "back", got[0]["msg"])
	assert.Equal(t, 100.0, got[1]["dropped"])
}

// shortSink accepts only the first half of every write, without an error,
// as a broken io.Writer may.
type shortSink struct{ out lines }

func (s *shortSink) Write(p []byte) (int, error) {
	n, _ := s.out.Write(p[:len(p)/2])
	return n, nil
}

// TestAsyncWriterShortWriteIsRefusal counts the lines a sink did not take
// whole as dropped.
func TestAsyncWriterShortWriteIsRefusal(t *testing.T) {
	defer goleak.VerifyNone(t)
	w := vlog.NewAsyncWriter(&shortSink{}, vlog.AsyncOptions{})
	for range 4 {
		_, _ = w.Write([]byte("0123456789\n"))
	}
	require.NoError(t, w.Close())
	assert.Equal(t, w.Refused(), w.Dropped())
	assert.GreaterOrEqual(t, w.Dropped(), uint64(2), "at least the second half of every batch is lost")
}

// TestAsyncWriterNoWriteAfterCloseTimeout checks the promise of
// CloseContext: once it gave up, the sink gets no further Write, even when
// its stuck one returns; what was queued is counted as dropped.
func TestAsyncWriterNoWriteAfterCloseTimeout(t *testing.T) {
	defer goleak.VerifyNone(t)
	sink := newBlockingSink()
	w := vlog.NewAsyncWriter(sink, vlog.AsyncOptions{})
	_, _ = w.Write(line("INFO", "stuck", 0))
	<-sink.started
	_, _ = w.Write(line("INFO", "queued", 0))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, w.CloseContext(ctx), vlog.ErrCloseTimeout)
	close(sink.release)
	goleak.VerifyNone(t) // waits for the goroutine to exit
	assert.Len(t, sink.started, 0, "no Write after the stuck one")
	got := sink.out.decode(t)
	require.Len(t, got, 1)
	assert.Equal(t, "stuck", got[0]["msg"])
	assert.Equal(t, uint64(1), w.Dropped(), "the queued line is lost, and counted")
}

// TestAsyncWriterDropReportPanics gives a DropReport that panics: the
// default report is written instead.
func TestAsyncWriterDropReportPanics(t *testing.T) {
	defer goleak.VerifyNone(t)
	sink := &flakySink{}
	sink.failing.Store(true)
	w := vlog.NewAsyncWriter(sink, vlog.AsyncOptions{DropReport: func(uint64) []byte { panic("bad report") }})
	_, _ = w.Write(line("INFO", "refused", 0))
	require.Eventually(t, func() bool { return w.Dropped() == 1 }, 5*time.Second, time.Millisecond)
	sink.failing.Store(false)
	_, _ = w.Write(line("INFO", "back", 0))
	require.NoError(t, w.Close())
	got := sink.out.decode(t)
	require.Len(t, got, 2)
	assert.Equal(t, 1.0, got[1]["dropped"])
	assert.Equal(t, uint64(1), w.Panics())
}
