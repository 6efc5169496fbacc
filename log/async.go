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
// the last to go. A line the sink refuses (an error, a short write, a panic)
// is dropped and counted too. Once the sink has taken a write whole and
// caught up (nothing is queued), a line saying how many lines were dropped
// is written. Write always returns len(p), nil.
//
// The sink, IsError and DropReport are untrusted: a panic in any of them is
// recovered and counted ([AsyncWriter.Panics]), never reaches the caller of
// Write, and never stops the writer; none is called with the writer's lock
// held.
//
// Close flushes what is queued, within a deadline.
type AsyncWriter struct {
	sink    io.Writer
	size    int // bytes queued at most
	limit   int // bytes queued at most for non-error lines
	isError func([]byte) bool
	timeout time.Duration
	report  func(uint64) []byte

	mu     sync.Mutex
	queue  []byte // lines waiting for the sink
	spare  []byte // the other buffer, when the goroutine is not writing it
	closed bool
	// abandoned is set when CloseContext gave up: the goroutine starts
	// no further Write.
	abandoned bool
	wake      chan struct{} // capacity 1: the queue went from empty to not
	stop      chan struct{} // closed by Close
	done      chan struct{} // closed when the goroutine exits
	dropped   atomic.Uint64 // lines dropped in total
	unsaid    atomic.Uint64 // lines dropped and not yet reported
	refused   atomic.Uint64 // lines the sink did not take
	panics    atomic.Uint64 // panics recovered from user code
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
// It never blocks on the sink and never fails. IsError runs only when p
// would reach into the reserve, outside the writer's lock; if it panics, the
// panic is counted ([AsyncWriter.Panics]) and p is taken for a non-error
// line.
func (a *AsyncWriter) Write(p []byte) (int, error) {
	switch a.enqueue(p, a.limit) {
	case queued:
		return len(p), nil
	case reserveOnly:
		if a.lineIsError(p) && a.enqueue(p, a.size) == queued {
			return len(p), nil
		}
	}
	a.drop(1)
	a.signal() // so that the drop is reported even if nothing follows
	return len(p), nil
}

// room is what enqueue found.
type room int

const (
	queued      room = iota // p was queued
	reserveOnly             // p fits only in the reserve: not queued
	noRoom                  // p does not fit, or the writer is closed
)

// enqueue queues p if the queue stays within limit.
func (a *AsyncWriter) enqueue(p []byte, limit int) room {
	a.mu.Lock()
	n := len(a.queue) + len(p)
	if a.closed || n > a.size {
		a.mu.Unlock()
		return noRoom
	}
	if n > limit {
		a.mu.Unlock()
		return reserveOnly
	}
	wasEmpty := len(a.queue) == 0
	a.queue = append(a.queue, p...)
	a.mu.Unlock()
	if wasEmpty {
		a.signal()
	}
	return queued
}

// lineIsError runs the IsError function, counting a panic as a non-error
// line.
func (a *AsyncWriter) lineIsError(p []byte) (isError bool) {
	defer func() {
		if recover() != nil {
			a.panics.Add(1)
			isError = false
		}
	}()
	return a.isError(p)
}

// drop counts n lost lines, to be reported.
func (a *AsyncWriter) drop(n uint64) {
	a.dropped.Add(n)
	a.unsaid.Add(n)
}

// signal wakes the goroutine without blocking.
func (a *AsyncWriter) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Dropped returns the number of lines lost since the writer was made: those
// that found the buffer full or the writer closed, those the sink refused
// ([AsyncWriter.Refused]), and those still queued when CloseContext gave up.
func (a *AsyncWriter) Dropped() uint64 { return a.dropped.Load() }

// Refused returns the number of lines, counted in Dropped too, that the
// sink did not take whole: its Write returned an error or a short count, or
// panicked. A line is what ends with a newline, as slog handlers write them.
func (a *AsyncWriter) Refused() uint64 { return a.refused.Load() }

// Panics returns the number of panics recovered from the sink's Write,
// IsError and DropReport. The writer goes on after each: a line IsError
// panicked on is taken for a non-error line, the lines a panicking Write
// was given are refused, and a panicking DropReport is replaced by the
// default report.
func (a *AsyncWriter) Panics() uint64 { return a.panics.Load() }

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
// sink has taken everything and caught up (nothing was queued meanwhile),
// the drop report. Once CloseContext has given up, it writes nothing.
func (a *AsyncWriter) flush() {
	a.mu.Lock()
	if a.abandoned {
		a.mu.Unlock()
		return
	}
	batch := a.queue
	a.queue, a.spare = a.spare[:0], nil
	a.mu.Unlock()
	var lost uint64
	if len(batch) > 0 {
		lost = a.send(batch)
		a.refused.Add(lost)
		a.drop(lost)
	}
	a.mu.Lock()
	a.spare = batch[:0]
	caughtUp := len(a.queue) == 0 && !a.abandoned
	a.mu.Unlock()
	if lost == 0 && caughtUp {
		if n := a.unsaid.Swap(0); n > 0 && a.send(a.makeReport(n)) > 0 {
			a.unsaid.Add(n) // the sink failed again: report later
		}
	}
}

// send passes p to the sink and returns how many of its lines the sink did
// not take whole: all of them when it panics.
func (a *AsyncWriter) send(p []byte) (lost uint64) {
	defer func() {
		if recover() != nil {
			a.panics.Add(1)
			lost = countLines(p)
		}
	}()
	n, err := a.sink.Write(p)
	if err == nil && n == len(p) {
		return 0
	}
	n = max(0, min(n, len(p))) // a broken sink may return anything
	taken := bytes.LastIndexByte(p[:n], '\n') + 1
	return countLines(p[taken:])
}

// countLines returns the number of lines in p, the last one even without
// its newline.
func countLines(p []byte) uint64 {
	n := uint64(bytes.Count(p, newline))
	if len(p) > 0 && p[len(p)-1] != '\n' {
		n++
	}
	return n
}

var newline = []byte{'\n'}

// makeReport runs the DropReport function, falling back to the default
// report when it panics.
func (a *AsyncWriter) makeReport(n uint64) (report []byte) {
	defer func() {
		if recover() != nil {
			a.panics.Add(1)
			report = dropReport(n)
		}
	}()
	return a.report(n)
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
		a.abandon()
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

// abandon stops the goroutine from writing anything more and counts what is
// still queued as dropped.
func (a *AsyncWriter) abandon() {
	a.mu.Lock()
	a.abandoned = true
	lost := countLines(a.queue)
	a.queue = a.queue[:0]
	a.mu.Unlock()
	a.drop(lost)
}
