package log

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// AsyncOptions configures [NewAsyncWriter]. The zero value is the default:
// a 1 MiB buffer with 1/8 of it reserved for errors, the standard JSON and
// text level detection, and a 5 s close deadline. Negative values also mean
// the default; a Reserve of half the buffer or more is cut to half.
type AsyncOptions struct {
	// Size bounds the bytes queued for the sink; 0 means 1 MiB. The
	// writer allocates two buffers of this size up front: one filling, one
	// in the sink's hands.
	Size int

	// Reserve is the part of Size that only error lines may use, so that
	// they are the last to be dropped; 0 means Size/8.
	Reserve int

	// IsError reports whether a line is at Error level or above. nil
	// means: the line contains `"level":"ERROR` (slog.JSONHandler) or
	// `level=ERROR` (slog.TextHandler) in its first 160 bytes. Give your
	// own when a ReplaceAttr renames levels or keys.
	IsError func(line []byte) bool

	// CloseTimeout bounds how long Close waits for the sink; 0 means 5 s.
	CloseTimeout time.Duration

	// DropReport formats the line written after lines were dropped; nil
	// means a JSON line at WARN with the keys "dropped", "attempted" and
	// "remedy".
	DropReport func(dropped uint64) []byte
}

const (
	defaultAsyncSize    = 1 << 20
	defaultCloseTimeout = 5 * time.Second
	levelWindow         = 160
)

// AsyncWriter is an io.Writer that never blocks its caller: it copies each
// Write (one log line, as slog handlers write) into a bounded buffer and a
// background goroutine passes the buffer to the sink. When the sink is slow
// or stuck and the buffer is full, whole lines are dropped, never split, and
// counted; error lines may use a reserved part of the buffer, so they are
// the last to go. Once the sink has caught up (a write leaves nothing
// queued), a line saying how many lines were dropped is written. Write
// always returns len(p), nil.
//
// Close flushes what is queued, within a deadline.
type AsyncWriter struct {
	sink    io.Writer
	size    int // bytes queued at most
	limit   int // bytes queued at most for non-error lines
	isError func([]byte) bool
	timeout time.Duration
	report  func(uint64) []byte

	mu      sync.Mutex
	queue   []byte // lines waiting for the sink
	spare   []byte // the other buffer, when the goroutine is not writing it
	closed  bool
	wake    chan struct{} // capacity 1: the queue went from empty to not
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the goroutine exits
	dropped atomic.Uint64 // lines dropped in total
	unsaid  atomic.Uint64 // lines dropped and not yet reported
}

// NewAsyncWriter returns an AsyncWriter that writes to w from a background
// goroutine, which runs until Close.
func NewAsyncWriter(w io.Writer, opts AsyncOptions) *AsyncWriter {
	size := opts.Size
	if size <= 0 {
		size = defaultAsyncSize
	}
	reserve := opts.Reserve
	if reserve <= 0 {
		reserve = size / 8
	}
	reserve = min(reserve, size/2)
	a := &AsyncWriter{
		sink:    w,
		size:    size,
		limit:   size - reserve,
		isError: opts.IsError,
		timeout: opts.CloseTimeout,
		report:  opts.DropReport,
		queue:   make([]byte, 0, size),
		spare:   make([]byte, 0, size),
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if a.isError == nil {
		a.isError = isErrorLine
	}
	if a.timeout <= 0 {
		a.timeout = defaultCloseTimeout
	}
	if a.report == nil {
		a.report = dropReport
	}
	go a.run()
	return a
}

var (
	jsonError = []byte(`"level":"ERROR`)
	textError = []byte(`level=ERROR`)
)

// isErrorLine detects the level written by slog's JSON and text handlers.
// The level comes right after the time, so only the start is searched.
func isErrorLine(line []byte) bool {
	head := line[:min(len(line), levelWindow)]
	return bytes.Contains(head, jsonError) || bytes.Contains(head, textError)
}

// Write queues a copy of p, or drops it when the buffer has no room for it.
// It never blocks on the sink and never fails.
func (a *AsyncWriter) Write(p []byte) (int, error) {
	a.mu.Lock()
	n := len(a.queue) + len(p)
	if a.closed || n > a.size || (n > a.limit && !a.isError(p)) {
		a.mu.Unlock()
		a.dropped.Add(1)
		a.unsaid.Add(1)
		a.signal() // so that the drop is reported even if nothing follows
		return len(p), nil
	}
	wasEmpty := len(a.queue) == 0
	a.queue = append(a.queue, p...)
	a.mu.Unlock()
	if wasEmpty {
		a.signal()
	}
	return len(p), nil
}

// signal wakes the goroutine without blocking.
func (a *AsyncWriter) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Dropped returns the number of lines dropped since the writer was made.
func (a *AsyncWriter) Dropped() uint64 { return a.dropped.Load() }

// run passes queued lines to the sink until Close.
func (a *AsyncWriter) run() {
	defer close(a.done)
	for {
		select {
		case <-a.wake:
			a.flush()
		case <-a.stop:
			a.flush()
			return
		}
	}
}

// flush writes the queue to the sink; then, if lines were dropped and the
// sink has caught up (nothing was queued meanwhile), the drop report.
func (a *AsyncWriter) flush() {
	a.mu.Lock()
	batch := a.queue
	a.queue, a.spare = a.spare[:0], nil
	a.mu.Unlock()
	if len(batch) > 0 {
		// A sink error cannot be returned to anyone; the lines are gone
		// as if dropped, except that the sink may have kept some.
		_, _ = a.sink.Write(batch)
	}
	a.mu.Lock()
	a.spare = batch[:0]
	caughtUp := len(a.queue) == 0
	a.mu.Unlock()
	if caughtUp {
		if n := a.unsaid.Swap(0); n > 0 {
			_, _ = a.sink.Write(a.report(n))
		}
	}
}

// Close stops accepting lines and waits, at most AsyncOptions.CloseTimeout,
// for the queued ones to reach the sink. See [AsyncWriter.CloseContext].
func (a *AsyncWriter) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
	defer cancel()
	return a.CloseContext(ctx)
}

// ErrCloseTimeout is returned (wrapped) by Close and CloseContext when the
// sink did not take the queued lines in time.
var ErrCloseTimeout = errors.New("log: sink did not accept the queued lines before the close deadline")

// CloseContext stops accepting lines (later writes are dropped and counted)
// and waits until the queued ones have reached the sink or ctx is done. In
// the second case it returns an error wrapping [ErrCloseTimeout] and ctx's
// error; the background goroutine then exits as soon as the sink returns
// from its current Write. It does not close the sink. Calling it again
// returns nil at once.
func (a *AsyncWriter) CloseContext(ctx context.Context) error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	queued := len(a.queue)
	a.mu.Unlock()
	close(a.stop)
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("attempted to flush %d queued log bytes: %w (%w); remedy: check the log sink, or raise AsyncOptions.CloseTimeout", queued, ErrCloseTimeout, ctx.Err())
	}
}

// dropReport is the default drop report: one JSON line at WARN.
func dropReport(n uint64) []byte {
	var b bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&b, nil))
	l.LogAttrs(context.Background(), slog.LevelWarn, fmt.Sprintf("dropped %d log lines", n),
		slog.Uint64("dropped", n),
		slog.String("attempted", "write log lines to a slow or blocked sink"),
		slog.String("remedy", "check the log sink's health and throughput, or raise AsyncOptions.Size"))
	return b.Bytes()
}
